using Sift.Core;

namespace Sift.Curation.Input;

/// <summary>How a file holds its items.</summary>
internal enum TextFormat
{
    /// <summary>By extension: .jsonl, .ndjson and .json are JSONL, anything else plain text.</summary>
    Auto,

    /// <summary>One JSON object per line; the item's text is one or more string fields.</summary>
    Jsonl,

    /// <summary>Plain text, split by <see cref="TextSplit"/>.</summary>
    Text,
}

/// <summary>How plain text is cut into items.</summary>
internal enum TextSplit
{
    /// <summary>Every non-blank line is an item.</summary>
    Line,

    /// <summary>Blocks of non-blank lines separated by blank lines are items (lines joined with '\n').</summary>
    BlankLine,
}

/// <summary>A file of text items and how to read it.</summary>
internal sealed record TextSource
{
    /// <summary>The file.</summary>
    public required string Path { get; init; }

    /// <summary>Its format.</summary>
    public TextFormat Format { get; init; } = TextFormat.Auto;

    /// <summary>JSONL fields whose values, joined with '\n', make an item's text (e.g. question, answer).</summary>
    public IReadOnlyList<string> Fields { get; init; } = ["text"];

    /// <summary>How plain text is cut into items.</summary>
    public TextSplit Split { get; init; } = TextSplit.Line;

    /// <summary>The format after resolving <see cref="TextFormat.Auto"/>.</summary>
    public TextFormat ResolvedFormat => Format != TextFormat.Auto ? Format
        : System.IO.Path.GetExtension(Path).ToLowerInvariant() is ".jsonl" or ".ndjson" or ".json" ? TextFormat.Jsonl : TextFormat.Text;

    /// <summary>Throws a <see cref="SiftException"/> when the file is missing or the fields are empty.</summary>
    public void Validate()
    {
        if (!File.Exists(Path))
        {
            throw new SiftException($"{Path}: file not found");
        }
        if (ResolvedFormat == TextFormat.Jsonl && (Fields.Count == 0 || Fields.Any(string.IsNullOrWhiteSpace)))
        {
            throw new SiftException($"{Path}: expected one or more JSONL field names (e.g. question or question,answer)");
        }
    }
}

/// <summary>One item of a <see cref="TextSource"/>.</summary>
/// <param name="Index">0-based position among the file's items.</param>
/// <param name="FirstLine">1-based first line.</param>
/// <param name="LastLine">1-based last line (equal to <paramref name="FirstLine"/> except for text blocks).</param>
/// <param name="Text">The item's text.</param>
internal sealed record TextItem(int Index, int FirstLine, int LastLine, string Text);
