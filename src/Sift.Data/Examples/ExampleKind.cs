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
}

/// <summary>Names of <see cref="ExampleKind"/> as the command line and examples.json spell them.</summary>
public static class ExampleKinds
{
    /// <summary>sft, pairs or kto.</summary>
    public static string Name(this ExampleKind kind) => kind switch
    {
        ExampleKind.Sft => "sft",
        ExampleKind.Pairs => "pairs",
        _ => "kto",
    };

    /// <summary>Parses sft, pairs or kto; the error names <paramref name="where"/>.</summary>
    public static ExampleKind Parse(string name, string where) => name switch
    {
        "sft" => ExampleKind.Sft,
        "pairs" => ExampleKind.Pairs,
        "kto" => ExampleKind.Kto,
        _ => throw new SiftException($"{where}: unknown example format '{name}' (expected sft, pairs or kto)"),
    };

    /// <summary>Documents per example.</summary>
    public static int DocumentsPerExample(this ExampleKind kind) => kind == ExampleKind.Sft ? 1 : 2;
}

/// <summary>Which end of a sequence longer than <c>max_length</c> is kept (TRL's <c>truncation_mode</c>).</summary>
public enum Truncation
{
    /// <summary>Keep the first max_length tokens (TRL's default, <c>keep_start</c>): the end of the completion is cut.</summary>
    KeepStart,

    /// <summary>Keep the last max_length tokens (<c>keep_end</c>): the start of the prompt is cut.</summary>
    KeepEnd,
}
