using System.Text.Json;
using Sift.Core;
using Sift.Data.Examples;
using Sift.Rewards.Scoring;
using Sift.Rewards.Steps;
using Sift.Text;

namespace Sift.Rewards.Training;

/// <summary>What <c>sift data pack --format prm|orm</c> says about the reward-model format.</summary>
/// <param name="Kind">prm or orm.</param>
/// <param name="Format">The scorer format whose prompts are packed (rm score --format).</param>
/// <param name="StepTag">tagged: the step tag.</param>
/// <param name="Positive">tagged: the positive label (default "+").</param>
/// <param name="Negative">tagged: the negative label (default "-").</param>
/// <param name="ChatTemplate">rlhflow formats: a chat template instead of the tokenizer's own.</param>
internal sealed record RmPackOptions(ExampleKind Kind, RmFormat Format, string? StepTag = null, string? Positive = null, string? Negative = null, string? ChatTemplate = null);

/// <summary>
/// Builds prm and orm training documents with the scorer's own prompt builders (<see cref="RmSetup"/>), so the packed
/// tokens and read positions are those <c>sift rm score</c> uses for the same format, byte for byte, and the target at
/// each read position is the step's label token (TRL PRMTrainer: labels only at step ends, every other target ignored).
/// <list type="bullet">
/// <item>prm over <c>sift rm label</c> records (<see cref="StepLabelRecord"/>), either layout for any format: the
/// Math-Shepherd text of a conversation is its user turns each followed by <c>" " + tag</c>, joined by <c>"\n"</c>
/// (what <c>rm label --format math-shepherd</c> writes for the same labels); the user turns of an <c>input</c> are its
/// pieces between tags, trimmed.</item>
/// <item>orm over samples lines (<c>question</c>, <c>completion</c>, and <c>correct</c>, <c>label</c> or a
/// <c>sift eval</c> sample's <c>strict.correct</c>): rlhflow-orm's one-turn prompt, or for tagged the whole completion
/// as one step ending with the tag (what <c>rm score --format tagged --split SEP</c> builds when SEP does not occur).</item>
/// </list>
/// </summary>
internal sealed class RmExampleEncoder : ILabelledLineEncoder
{
    /// <summary>The separator that makes a whole tagged completion one step (ORM): a control picture that text does not hold.</summary>
    public const string WholeSolution = "\u241E";

    private readonly RmPackOptions _o;
    private readonly IRmPromptBuilder _builder;
    private readonly string _tag, _positive, _negative;

    /// <summary>Resolves the format for <paramref name="tok"/>; <paramref name="bos"/> goes before tagged prompts, as the scorer puts the model's BOS.</summary>
    public RmExampleEncoder(RmPackOptions o, ITokenizer tok, int? bos)
    {
        bool tagged = o.Format is RmFormat.Tagged;
        if (o.Kind == ExampleKind.Prm && o.Format == RmFormat.RlhFlowOrm)
        {
            throw new SiftException("--format prm: --rm-format rlhflow-orm is an outcome format; use --format orm, or a step format (math-shepherd, rlhflow-prm, tagged)");
        }
        if (o.Kind == ExampleKind.Orm && o.Format is RmFormat.RlhFlowPrm or RmFormat.MathShepherd)
        {
            throw new SiftException($"--format orm: --rm-format {RmFormats.Name(o.Format)} is a step format; use rlhflow-orm or tagged");
        }
        if (!tagged && (o.StepTag ?? o.Positive ?? o.Negative) is not null)
        {
            throw new SiftException($"--step-tag, --positive and --negative go with --rm-format tagged; {RmFormats.Name(o.Format)} has its own");
        }
        _o = o;
        _tag = tagged ? o.StepTag ?? throw new SiftException("--rm-format tagged needs --step-tag (e.g. --step-tag 'ки')") : StepSplitter.ShepherdTag;
        (_positive, _negative) = tagged ? (o.Positive ?? "+", o.Negative ?? "-") : ("+", "-");
        var setup = RmSetup.Create(new RmFormatOptions(o.Format, Split: o.Kind == ExampleKind.Orm && tagged ? WholeSolution : null,
            StepTag: tagged ? _tag : null, Good: tagged ? _positive : null, Bad: tagged ? _negative : null, ChatTemplate: o.ChatTemplate,
            GoodOption: "--positive", BadOption: "--negative"), tok, bos);
        _builder = setup.Builder;
        Labels = setup.Labels;
    }

    /// <summary>The label token ids.</summary>
    public LabelTokens Labels { get; }

    /// <inheritdoc />
    public int PositiveId => Labels.Good;

    /// <inheritdoc />
    public int NegativeId => Labels.Bad;

    /// <inheritdoc />
    public string Format => RmFormats.Name(_o.Format);

    /// <inheritdoc />
    public LabelledPrompt Encode(string json, string where)
    {
        using var doc = RmRecordJson.Parse(json, where);
        return _o.Kind == ExampleKind.Orm ? Outcome(doc.RootElement, where) : Steps(doc.RootElement, where);
    }

    private LabelledPrompt Steps(JsonElement o, string where)
    {
        var rec = StepLabelRecord.Parse(o, where, _tag, _positive, _negative);
        int n = rec.Labels.Length;
        RmPrompt p = Build(where, rec.Field, () => _builder switch
        {
            TaggedPromptBuilder t => t.BuildText(rec.Input?.TrimEnd() ?? string.Join("\n", rec.Users!.Select(u => u + " " + _tag)), Tags(where, rec, n)),
            ChatTurnsPromptBuilder c => c.BuildTurns(rec.Users ?? Turns(where, rec.Input!, n)),
            _ => throw new InvalidOperationException(_builder.GetType().Name),
        });
        return new LabelledPrompt(p.Tokens, p.Rows, rec.Labels);
    }

    // The tagged text must have one tag per label (a conversation's step text must not hold the tag itself).
    private int Tags(string where, StepLabelRecord rec, int labels)
    {
        int tags = rec.Input is { } input ? StepSplitter.Count(input, _tag) : rec.Users!.Sum(u => StepSplitter.Count(u, _tag)) + rec.Users!.Count;
        return tags == labels ? tags
            : throw new SiftException($"{where}: field \"{rec.Field}\" has {tags} step tags \"{_tag}\" for {labels} labels (a step's text holds the tag?)");
    }

    private List<string> Turns(string where, string input, int labels)
    {
        var pieces = input.Split(_tag).Select(s => s.Trim()).ToList();
        pieces.RemoveAt(pieces.Count - 1); // the text after the last tag (a step's label belongs to the text before its tag)
        if (pieces.Any(s => s.Length == 0) || pieces.Count != labels)
        {
            throw new SiftException($"{where}: field \"input\": {pieces.Count(s => s.Length > 0)} non-empty steps between \"{_tag}\" tags for {labels} labels (an empty step has no user turn)");
        }
        return pieces;
    }

    private LabelledPrompt Outcome(JsonElement o, string where)
    {
        string question = RmRecordJson.String(o, "question", where, "the problem text");
        string completion = RmRecordJson.String(o, "completion", where, "the solution text");
        bool correct = RmRecordJson.OptBool(o, "correct", where) ?? RmRecordJson.OptBool(o, "label", where)
            ?? (o.TryGetProperty("strict", out var strict) && strict.ValueKind == JsonValueKind.Object ? RmRecordJson.OptBool(strict, "correct", where + ": strict") : null)
            ?? throw new SiftException($"{where}: missing field \"correct\" (true when the solution is right; \"label\" or a `sift eval` sample's \"strict\".\"correct\" also do)");
        if (_builder is TaggedPromptBuilder && completion.Contains(_tag, StringComparison.Ordinal))
        {
            throw new SiftException($"{where}: field \"completion\" holds the step tag \"{_tag}\"; an outcome prompt has one tag, after the whole solution");
        }
        RmPrompt p = Build(where, "completion", () => _builder.Build(question, completion));
        return p.Rows.Length == 1 ? new LabelledPrompt(p.Tokens, p.Rows, [correct])
            : throw new SiftException($"{where}: field \"completion\": the outcome prompt has {p.Rows.Length} read positions, expected one");
    }

    // The builders' input errors name their own field ("question", "completion"); say which record field it was.
    private static RmPrompt Build(string where, string field, Func<RmPrompt> build)
    {
        try
        {
            return build();
        }
        catch (RmInputException ex)
        {
            throw new SiftException($"{where}: field \"{(field == "completion" ? ex.Field : field)}\" {ex.Message}", ex);
        }
    }
}
