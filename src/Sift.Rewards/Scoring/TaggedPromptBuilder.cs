using Sift.Core;
using Sift.Rewards.Steps;
using Sift.Text;

namespace Sift.Rewards.Scoring;

/// <summary>
/// Math-Shepherd's input (model-card snippet) and any PRM built the same way: <c>f"{question} {output}"</c> with the
/// output trimmed, BOS first, and the label read at every position of the tag's last token (<c>encode("ки")[-1]</c>),
/// the tag itself standing where the label will be predicted. A byte-level tokenizer spells a tag after a space with
/// another token (" ки" is not "ки"), so the last ids of both spellings are candidates, and a candidate position counts
/// only when the text decoded up to it ends with the tag; the positions must then be exactly the tag's occurrences in
/// the text, so a tokenizer that merges the tag into a neighbour is an error rather than a shifted score. Special-token
/// strings in the text are read as the special tokens, as Hugging Face's <c>encode</c> does (a PRM whose tag is a
/// special token, e.g. Qwen's <c>&lt;extra_0&gt;</c>, relies on it).
/// </summary>
internal sealed class TaggedPromptBuilder : IRmPromptBuilder
{
    private readonly ITokenizer _tok;
    private readonly int? _bos;
    private readonly string _tag;
    private readonly HashSet<int> _tagIds;
    private readonly string? _separator;

    /// <summary>The step tag.</summary>
    public string Tag => _tag;

    /// <summary>Creates the builder; <paramref name="separator"/> (when given) splits untagged solutions and tags each step.</summary>
    public TaggedPromptBuilder(ITokenizer tok, int? bos, string tag, string? separator)
    {
        if (tag.Length == 0)
        {
            throw new SiftException("--step-tag: the tag is empty");
        }
        int[] ids = tok.Encode(tag, allowSpecial: true);
        if (ids.Length == 0)
        {
            throw new SiftException($"--step-tag '{tag}': encodes to no ids");
        }
        _tok = tok;
        _bos = bos;
        _tag = tag;
        _tagIds = [ids[^1], tok.Encode(" " + tag, allowSpecial: true)[^1]];
        _separator = separator;
    }

    /// <inheritdoc />
    public RmPrompt Build(string question, string completion)
    {
        if (question.Contains(_tag, StringComparison.Ordinal))
        {
            throw new RmInputException("question", $"contains the step tag \"{_tag}\", which would be read as a step");
        }
        string output = _separator is null ? completion.Trim() : StepSplitter.Tag(completion, _separator, _tag);
        int steps = StepSplitter.Count(output, _tag);
        if (steps == 0)
        {
            throw new RmInputException("completion", _separator is null
                ? $"has no step tag \"{_tag}\" (each step must end with it; give --split SEP to tag untagged steps)"
                : $"has no steps (it is empty or only whitespace)");
        }
        return BuildText(question + " " + output, steps);
    }

    /// <summary>The prompt of a text already joined as <c>question + " " + output</c> with <paramref name="steps"/> tags
    /// (a Math-Shepherd record's <c>input</c>); the one tokenization both scoring and training use.</summary>
    public RmPrompt BuildText(string text, int steps)
    {
        int[] body = _tok.Encode(text, allowSpecial: true);
        int[] ids = _bos is int b ? [b, .. body] : body;
        int skip = ids.Length - body.Length;
        var rows = new List<int>(steps);
        for (int i = skip; i < ids.Length; i++)
        {
            if (_tagIds.Contains(ids[i]) && _tok.Decode(body.AsSpan(0, i - skip + 1)).EndsWith(_tag, StringComparison.Ordinal))
            {
                rows.Add(i);
            }
        }
        if (rows.Count != steps)
        {
            throw new RmInputException("completion", $"has {steps} step tags \"{_tag}\" but {rows.Count} token positions end one after tokenization (the tokenizer merges the tag with the text after it)");
        }
        return new RmPrompt(text, ids, [.. rows]);
    }
}
