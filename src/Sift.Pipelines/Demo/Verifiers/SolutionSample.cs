using System.Text.Json.Serialization;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>
/// One sampled solution, graded: a line of the samples files. The layout is what <c>sift rm label</c> reads
/// (<c>question</c>, <c>completion</c>, <c>gold</c>) and what outcome-label packing reads (<c>correct</c>).
/// </summary>
internal sealed record SolutionSample
{
    /// <summary>Index of the problem in its split (0-based).</summary>
    [JsonPropertyName("problem")]
    public required int Problem { get; init; }

    /// <summary>Index of the sample among the problem's (0-based).</summary>
    [JsonPropertyName("sample")]
    public required int Sample { get; init; }

    /// <summary>The question.</summary>
    [JsonPropertyName("question")]
    public required string Question { get; init; }

    /// <summary>The gold answer.</summary>
    [JsonPropertyName("gold")]
    public required string Gold { get; init; }

    /// <summary>The solver's solution (steps one per line, then "#### answer").</summary>
    [JsonPropertyName("completion")]
    public required string Completion { get; init; }

    /// <summary>The extracted, normalized answer ("" when none).</summary>
    [JsonPropertyName("prediction")]
    public required string Prediction { get; init; }

    /// <summary>Whether it equals the gold (strict grading).</summary>
    [JsonPropertyName("correct")]
    public required bool Correct { get; init; }
}

/// <summary>A sample's verifier scores (the lines of a scores file, in the samples file's order).</summary>
internal sealed record SampleScores
{
    /// <summary>Index of the problem in the test split.</summary>
    [JsonPropertyName("problem")]
    public required int Problem { get; init; }

    /// <summary>Index of the sample.</summary>
    [JsonPropertyName("sample")]
    public required int Sample { get; init; }

    /// <summary>The PRM's solution score (the minimum of its step probabilities), or null without a PRM.</summary>
    [JsonPropertyName("prm")]
    public double? Prm { get; init; }

    /// <summary>The ORM's score (P(correct)), or null without an ORM.</summary>
    [JsonPropertyName("orm")]
    public double? Orm { get; init; }
}
