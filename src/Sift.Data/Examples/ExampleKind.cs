using Sift.Core;

namespace Sift.Data.Examples;

/// <summary>What one example of an example dataset holds (the <c>--format</c> of <c>sift data pack</c>).</summary>
public enum ExampleKind
{
    /// <summary>A prompt and a completion (or a chat); loss on the completion (assistant) tokens only. One document.</summary>
    Sft,

    /// <summary>A prompt with a chosen and a rejected completion (DPO, IPO). Two documents: chosen, then rejected.</summary>
    Pairs,

    /// <summary>A prompt, a completion and a desirable/undesirable label (KTO). Two documents: the example, then its KL
    /// document (this prompt with the next example's completion, a mismatched pair for KTO's KL estimate).</summary>
    Kto,

    /// <summary>A process-reward-model input (the scorer's prompt) with a +/− label at each step's read position. One document.</summary>
    Prm,

    /// <summary>An outcome-reward-model input with one +/− label at the position the ORM scorer reads. One document.</summary>
    Orm,
}

/// <summary>Names of <see cref="ExampleKind"/> as the command line and examples.json spell them.</summary>
public static class ExampleKinds
{
    /// <summary>sft, pairs, kto, prm or orm.</summary>
    public static string Name(this ExampleKind kind) => kind switch
    {
        ExampleKind.Sft => "sft",
        ExampleKind.Pairs => "pairs",
        ExampleKind.Kto => "kto",
        ExampleKind.Prm => "prm",
        _ => "orm",
    };

    /// <summary>Parses sft, pairs, kto, prm or orm; the error names <paramref name="where"/>.</summary>
    public static ExampleKind Parse(string name, string where) => name switch
    {
        "sft" => ExampleKind.Sft,
        "pairs" => ExampleKind.Pairs,
        "kto" => ExampleKind.Kto,
        "prm" => ExampleKind.Prm,
        "orm" => ExampleKind.Orm,
        _ => throw new SiftException($"{where}: unknown example format '{name}' (expected sft, pairs, kto, prm or orm)"),
    };

    /// <summary>Documents per example.</summary>
    public static int DocumentsPerExample(this ExampleKind kind) => kind is ExampleKind.Pairs or ExampleKind.Kto ? 2 : 1;

    /// <summary>
    /// True for reward-model kinds (prm, orm), whose mask holds step labels rather than a 0/1 completion mask: the
    /// byte after a read position is <see cref="StepLabelCodes.Positive"/> or <see cref="StepLabelCodes.Negative"/>.
    /// </summary>
    public static bool IsStepLabelled(this ExampleKind kind) => kind is ExampleKind.Prm or ExampleKind.Orm;
}

/// <summary>Which end of a sequence longer than <c>max_length</c> is kept (TRL's <c>truncation_mode</c>).</summary>
public enum Truncation
{
    /// <summary>Keep the first max_length tokens (TRL's default, <c>keep_start</c>): the end of the completion is cut.</summary>
    KeepStart,

    /// <summary>Keep the last max_length tokens (<c>keep_end</c>): the start of the prompt is cut.</summary>
    KeepEnd,
}

/// <summary>
/// Mask values of prm/orm example datasets. The byte at position <c>r + 1</c> labels the read position <c>r</c> (the
/// row whose logits the scorer reads, so the sampler's target at r is the label id, as any next-token target).
/// </summary>
public static class StepLabelCodes
{
    /// <summary>No label.</summary>
    public const byte None = 0;

    /// <summary>The step is good: the target is the positive label id.</summary>
    public const byte Positive = 1;

    /// <summary>The step is bad: the target is the negative label id.</summary>
    public const byte Negative = 2;
}
