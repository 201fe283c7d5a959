using System.Text.Json.Serialization;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>What a verifier-demo stage depends on: the keys of the stages it reads and its own settings (canonical text).</summary>
/// <param name="Upstream">Keys of the stages it reads, by name.</param>
/// <param name="Settings">Its own settings.</param>
internal sealed record VerifierStageInputs(
    [property: JsonPropertyName("upstream")] SortedDictionary<string, string> Upstream,
    [property: JsonPropertyName("settings")] SortedDictionary<string, string> Settings);

/// <summary>The samples of one seed: N per test problem and a few per training problem, graded.</summary>
internal sealed record SamplesStageResult : IStageResult
{
    /// <summary>Test-split samples (JSONL of <see cref="SolutionSample"/>).</summary>
    [JsonPropertyName("test")]
    public required string Test { get; init; }

    /// <summary>Training-split samples.</summary>
    [JsonPropertyName("train")]
    public required string Train { get; init; }

    /// <summary>Share of test samples that are correct (the solver's sampled accuracy).</summary>
    [JsonPropertyName("test_accuracy")]
    public double TestAccuracy { get; init; }

    /// <summary>Share of training samples that are correct.</summary>
    [JsonPropertyName("train_accuracy")]
    public double TrainAccuracy { get; init; }

    /// <summary>Solutions drawn.</summary>
    [JsonPropertyName("samples")]
    public long Samples { get; init; }

    /// <summary>Solutions per second.</summary>
    [JsonPropertyName("samples_per_second")]
    public double SamplesPerSecond { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public double? Flops => null;
}

/// <summary>Monte-Carlo step labels of one seed's training samples (Math-Shepherd layout, as <c>sift rm label</c> writes).</summary>
internal sealed record LabelsStageResult : IStageResult
{
    /// <summary>The labels file.</summary>
    [JsonPropertyName("labels")]
    public required string Labels { get; init; }

    /// <summary>Steps labelled.</summary>
    [JsonPropertyName("steps")]
    public long Steps { get; init; }

    /// <summary>Of them, hard label +.</summary>
    [JsonPropertyName("positive_steps")]
    public long PositiveSteps { get; init; }

    /// <summary>Rollouts drawn.</summary>
    [JsonPropertyName("rollouts")]
    public long Rollouts { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public double? Flops => null;
}

/// <summary>The verifiers' scores of one seed's test samples.</summary>
internal sealed record ScoresStageResult : IStageResult
{
    /// <summary>JSONL of <see cref="SampleScores"/>, one per test sample in order.</summary>
    [JsonPropertyName("scores")]
    public required string Scores { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public double? Flops => null;
}
