using System.Text.Json.Serialization;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>One curve at one N over the seeds: accuracy in percent.</summary>
internal sealed record CurvePointSummary
{
    /// <summary>Samples per problem.</summary>
    [JsonPropertyName("n")]
    public required int N { get; init; }

    /// <summary>Mean over seeds.</summary>
    [JsonPropertyName("mean")]
    public required double Mean { get; init; }

    /// <summary>Sample standard deviation over seeds (null with one seed).</summary>
    [JsonPropertyName("sd")]
    public double? Sd { get; init; }

    /// <summary>95% Student-t interval of the mean over seeds (null with one seed).</summary>
    [JsonPropertyName("low")]
    public double? Low { get; init; }

    /// <summary>Upper end of the interval.</summary>
    [JsonPropertyName("high")]
    public double? High { get; init; }

    /// <summary>Each seed's value, in seed order.</summary>
    [JsonPropertyName("per_seed")]
    public required IReadOnlyList<double> PerSeed { get; init; }
}

/// <summary>A curve over the seeds.</summary>
internal sealed record CurveSummary
{
    /// <summary>"pass", "majority", "orm_bon", "prm_bon", "orm_weighted", "prm_weighted".</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>Display name ("PRM-BoN@N").</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>Points by N.</summary>
    [JsonPropertyName("points")]
    public required IReadOnlyList<CurvePointSummary> Points { get; init; }

    /// <summary>This curve minus majority@N, paired by seed, by N (null for pass and majority).</summary>
    [JsonPropertyName("minus_majority")]
    public IReadOnlyList<CurvePointSummary>? MinusMajority { get; init; }
}

/// <summary>A stage's timing in the summary.</summary>
/// <param name="Name">Stage name.</param>
/// <param name="Seconds">Wall seconds when it ran.</param>
/// <param name="Cached">Skipped by this invocation.</param>
internal sealed record StageTiming(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("cached")] bool Cached);

/// <summary>summary.json of <c>sift demo verifiers</c>: the setup, the curves over seeds and the costs.</summary>
internal sealed record VerifierSummary
{
    /// <summary>The command line.</summary>
    [JsonPropertyName("command")]
    public required string Command { get; init; }

    /// <summary>The solver's model ("d128 L4 h4 ffn384").</summary>
    [JsonPropertyName("solver")]
    public required string Solver { get; init; }

    /// <summary>The solver's greedy accuracy on the demo's held-out problems (its final evaluation), when measured.</summary>
    [JsonPropertyName("solver_greedy_accuracy")]
    public double? SolverGreedyAccuracy { get; init; }

    /// <summary>Tiers of the held-out problems.</summary>
    [JsonPropertyName("tiers")]
    public required string Tiers { get; init; }

    /// <summary>Test problems (the curves').</summary>
    [JsonPropertyName("test_problems")]
    public required int TestProblems { get; init; }

    /// <summary>Samples per test problem.</summary>
    [JsonPropertyName("samples")]
    public required int Samples { get; init; }

    /// <summary>Training problems of the verifiers.</summary>
    [JsonPropertyName("train_problems")]
    public required int TrainProblems { get; init; }

    /// <summary>Samples per training problem.</summary>
    [JsonPropertyName("train_samples")]
    public required int TrainSamples { get; init; }

    /// <summary>Monte-Carlo rollouts per step prefix.</summary>
    [JsonPropertyName("rollouts")]
    public required int Rollouts { get; init; }

    /// <summary>Sampling temperature.</summary>
    [JsonPropertyName("temperature")]
    public required double Temperature { get; init; }

    /// <summary>Random subsets per N and problem.</summary>
    [JsonPropertyName("trials")]
    public required int Trials { get; init; }

    /// <summary>Seeds.</summary>
    [JsonPropertyName("seeds")]
    public required IReadOnlyList<ulong> Seeds { get; init; }

    /// <summary>Share of test samples that are correct, per seed (percent).</summary>
    [JsonPropertyName("sample_accuracy")]
    public required IReadOnlyList<double> SampleAccuracy { get; init; }

    /// <summary>Share of labelled training steps with hard label +, per seed (percent; empty without labels).</summary>
    [JsonPropertyName("positive_step_share")]
    public required IReadOnlyList<double> PositiveStepShare { get; init; }

    /// <summary>The curves.</summary>
    [JsonPropertyName("curves")]
    public required IReadOnlyList<CurveSummary> Curves { get; init; }

    /// <summary>Why the verifier curves are missing, when they are.</summary>
    [JsonPropertyName("verifiers_note")]
    public string? VerifiersNote { get; init; }

    /// <summary>The reading of the curves, in words.</summary>
    [JsonPropertyName("reading")]
    public required IReadOnlyList<string> Reading { get; init; }

    /// <summary>Stages in order.</summary>
    [JsonPropertyName("stages")]
    public required IReadOnlyList<StageTiming> Stages { get; init; }

    /// <summary>Wall time of this invocation.</summary>
    [JsonPropertyName("wall_seconds")]
    public required double WallSeconds { get; init; }

    /// <summary>1-minute load average at the start.</summary>
    [JsonPropertyName("load_start")]
    public double? LoadStart { get; init; }

    /// <summary>1-minute load average at the end.</summary>
    [JsonPropertyName("load_end")]
    public double? LoadEnd { get; init; }

    /// <summary>Compute threads.</summary>
    [JsonPropertyName("threads")]
    public required int Threads { get; init; }
}
