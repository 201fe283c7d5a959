using System.Text;
using System.Text.Json;
using Sift.Core;
using Sift.Eval.Datasets;

namespace Sift.Curation.Input;

/// <summary>Lines of a source that were not items: skipped under <see cref="BadLinePolicy.Skip"/>, each reported.</summary>
internal sealed class ReadReport
{
    private readonly List<string> _problems = [];

    /// <summary>Items read.</summary>
    public int Items { get; internal set; }

    /// <summary>Lines skipped as malformed.</summary>
    public int Skipped { get; private set; }

    /// <summary>The 1-based numbers of the skipped lines.</summary>
    public List<int> SkippedLines { get; } = [];

    /// <summary>The first messages about skipped lines ("file:line: why"), at most 20.</summary>
    public IReadOnlyList<string> Problems => _problems;

    internal void Skip(int line, string message)
    {
        Skipped++;
        SkippedLines.Add(line);
        if (_problems.Count < 20)
        {
            _problems.Add(message);
        }
    }
}

/// <summary>
/// Reads the items of a <see cref="TextSource"/>. A JSONL line that is not an object, or lacks a field, or holds a
/// field that is not a string or a number, is an error naming file:line and the field (or, with
/// <see cref="BadLinePolicy.Skip"/>, a counted and reported skip). Blank lines are not items.
/// </summary>
internal static class TextItemReader
{
    private static readonly UTF8Encoding Utf8 = new(false, throwOnInvalidBytes: false);

    /// <summary>The items in file order; <paramref name="bytesRead"/> hears the bytes consumed so far.</summary>
    public static IEnumerable<TextItem> Read(TextSource source, BadLinePolicy policy, ReadReport report, Action<long>? bytesRead = null)
    {
        source.Validate();
        return source.ResolvedFormat == TextFormat.Jsonl ? Jsonl(source, policy, report, bytesRead) : Text(source, report, bytesRead);
    }

    private static IEnumerable<TextItem> Jsonl(TextSource source, BadLinePolicy policy, ReadReport report, Action<long>? bytesRead)
    {
        int index = 0;
        var parts = new string[source.Fields.Count];
        foreach (var line in RawLines.Read(source.Path, bytesRead))
        {
            var content = line.Content;
            if (line.IsBlank)
            {
                continue;
            }
            string? why = Parse(content, source.Fields, parts);
            if (why is not null)
            {
                string message = $"{source.Path}:{line.Number}: {why}";
                if (policy == BadLinePolicy.Abort)
                {
                    throw new SiftException(message + " (use --bad-lines skip to skip such lines)");
                }
                report.Skip(line.Number, message);
                continue;
            }
            report.Items++;
            yield return new TextItem(index++, line.Number, line.Number, parts.Length == 1 ? parts[0] : string.Join('\n', parts));
        }
    }

    // Fills `parts` with the fields' values, or returns why the line is not a valid record.
    private static string? Parse(ReadOnlyMemory<byte> content, IReadOnlyList<string> fields, string[] parts)
    {
        try
        {
            using var doc = JsonDocument.Parse(content);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"expected a JSON object, found {Kind(doc.RootElement.ValueKind)}";
            }
            for (int f = 0; f < fields.Count; f++)
            {
                if (!doc.RootElement.TryGetProperty(fields[f], out var v))
                {
                    var present = doc.RootElement.EnumerateObject().Select(p => p.Name).Take(8).ToList();
                    return $"field \"{fields[f]}\" missing (the record has {(present.Count == 0 ? "no fields" : string.Join(", ", present))})";
                }
                parts[f] = v.ValueKind switch
                {
                    JsonValueKind.String => v.GetString()!,
                    JsonValueKind.Number => v.GetRawText(),
                    _ => null!,
                };
                if (parts[f] is null)
                {
                    return $"field \"{fields[f]}\" is {Kind(v.ValueKind)}; expected a string";
                }
            }
            return null;
        }
        catch (JsonException ex)
        {
            return "invalid JSON: " + ex.Message;
        }
    }

    private static string Kind(JsonValueKind k) => k switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Number => "a number",
        _ => "a string",
    };

    private static IEnumerable<TextItem> Text(TextSource source, ReadReport report, Action<long>? bytesRead)
    {
        int index = 0;
        if (source.Split == TextSplit.Line)
        {
            foreach (var line in RawLines.Read(source.Path, bytesRead))
            {
                if (!line.IsBlank)
                {
                    report.Items++;
                    yield return new TextItem(index++, line.Number, line.Number, Utf8.GetString(line.Content.Span));
                }
            }
            yield break;
        }
        var block = new StringBuilder();
        int first = 0, last = 0;
        foreach (var line in RawLines.Read(source.Path, bytesRead))
        {
            if (line.IsBlank)
            {
                if (block.Length > 0)
                {
                    report.Items++;
                    yield return new TextItem(index++, first, last, block.ToString());
                    block.Clear();
                }
                continue;
            }
            if (block.Length == 0)
            {
                first = line.Number;
            }
            else
            {
                block.Append('\n');
            }
            block.Append(Utf8.GetString(line.Content.Span));
            last = line.Number;
        }
        if (block.Length > 0)
        {
            report.Items++;
            yield return new TextItem(index, first, last, block.ToString());
        }
    }
}
