using System.Text.Json.Serialization;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Demo;

/// <summary>What the corpus stage depends on: the demo's corpus and tokenizer settings, and the stage whose tokenizer it reuses.</summary>
/// <param name="Settings">corpus.*, tokenizer.* and seed values (canonical text).</param>
/// <param name="TokenizerFrom">Key of the synth stage whose tokenizer is reused, or null to train one.</param>
internal sealed record SynthStageInputs(
    [property: JsonPropertyName("settings")] SortedDictionary<string, string> Settings,
    [property: JsonPropertyName("tokenizer_from")] string? TokenizerFrom);

/// <summary>What the corpus stage made.</summary>
internal sealed record SynthStageResult : IStageResult
{
    /// <summary>Key of the tokenizer (shared by corpora trained with the same tokenizer settings).</summary>
    [JsonPropertyName("tokenizer_key")]
    public required string TokenizerKey { get; init; }

    /// <summary>Key of the clean corpus (what the reference model depends on), not of the web mixture.</summary>
    [JsonPropertyName("clean_key")]
    public required string CleanKey { get; init; }

    /// <summary>Held-out problems JSONL.</summary>
    [JsonPropertyName("eval")]
    public required string Eval { get; init; }

    /// <summary>Tokenizer folder.</summary>
    [JsonPropertyName("tokenizer")]
    public required string Tokenizer { get; init; }

    /// <summary>Packed clean corpus.</summary>
    [JsonPropertyName("clean_tokens")]
    public required string CleanTokens { get; init; }

    /// <summary>Packed web corpus.</summary>
    [JsonPropertyName("web_tokens")]
    public required string WebTokens { get; init; }

    /// <summary>Per-token provenance labels of the web corpus.</summary>
    [JsonPropertyName("web_labels")]
    public required string WebLabels { get; init; }

    /// <summary>Clean tokens.</summary>
    [JsonPropertyName("clean_token_count")]
    public long CleanTokenCount { get; init; }

    /// <summary>Web tokens.</summary>
    [JsonPropertyName("web_token_count")]
    public long WebTokenCount { get; init; }

    /// <summary>Share of web tokens per provenance kind.</summary>
    [JsonPropertyName("web_token_shares")]
    public Dictionary<string, double> WebTokenShares { get; init; } = [];

    /// <summary>Seconds per step of the synth run.</summary>
    [JsonPropertyName("seconds")]
    public Dictionary<string, double> Seconds { get; init; } = [];

    /// <inheritdoc />
    [JsonIgnore]
    public double? Flops => null;
}

/// <summary>What a training stage (the reference model or a student) depends on.</summary>
/// <param name="Data">Key of the data it trains on (the clean corpus, or the synth stage for the web corpus).</param>
/// <param name="Scores">Key of the scoring stage, for objectives that read reference scores.</param>
/// <param name="Recipe">The recipe values that change results (canonical text).</param>
/// <param name="Init">Key of the training stage whose model this one starts from (continued regime), or null.</param>
internal sealed record TrainStageInputs(
    [property: JsonPropertyName("data")] string Data,
    [property: JsonPropertyName("scores")] string? Scores,
    [property: JsonPropertyName("recipe")] SortedDictionary<string, string> Recipe,
    [property: JsonPropertyName("init")] string? Init = null);

/// <summary>What a training stage produced.</summary>
internal sealed record TrainStageResult : IStageResult
{
    /// <summary>Run folder.</summary>
    [JsonPropertyName("run")]
    public required string Run { get; init; }

    /// <summary>Final model folder.</summary>
    [JsonPropertyName("model")]
    public required string Model { get; init; }

    /// <summary>metrics.jsonl.</summary>
    [JsonPropertyName("metrics")]
    public required string Metrics { get; init; }

    /// <summary>Optimizer steps.</summary>
    [JsonPropertyName("steps")]
    public long Steps { get; init; }

    /// <summary>Tokens processed.</summary>
    [JsonPropertyName("tokens")]
    public long Tokens { get; init; }

    /// <summary>Tokens that received gradient.</summary>
    [JsonPropertyName("trained_tokens")]
    public long TrainedTokens { get; init; }

    /// <summary>Wall time of the run (all invocations).</summary>
    [JsonPropertyName("train_seconds")]
    public double TrainSeconds { get; init; }

    /// <summary>Seconds of optimizer steps in the last invocation.</summary>
    [JsonPropertyName("step_seconds")]
    public double StepSeconds { get; init; }

    /// <summary>Seconds of those spent on the objective's weights.</summary>
    [JsonPropertyName("objective_seconds")]
    public double ObjectiveSeconds { get; init; }

    /// <summary>Training throughput.</summary>
    [JsonPropertyName("tokens_per_s")]
    public double TokensPerSecond { get; init; }

    /// <summary>Model parameters.</summary>
    [JsonPropertyName("parameters")]
    public long Parameters { get; init; }

    /// <summary>Training FLOPs.</summary>
    [JsonPropertyName("flops")]
    public double TrainFlops { get; init; }

    /// <summary>The last evaluation record.</summary>
    [JsonPropertyName("final_eval")]
    public MetricsLine? FinalEval { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public double? Flops => TrainFlops;
}

/// <summary>What the scoring stage depends on.</summary>
/// <param name="Synth">Key of the corpus stage.</param>
/// <param name="Reference">Key of the reference model's stage.</param>
/// <param name="SeqLen">Window length (the students').</param>
internal sealed record ScoreStageInputs(
    [property: JsonPropertyName("synth")] string Synth,
    [property: JsonPropertyName("reference")] string Reference,
    [property: JsonPropertyName("seq_len")] int SeqLen);

/// <summary>What the scoring stage produced.</summary>
internal sealed record ScoreStageResult : IStageResult
{
    /// <summary>Scores folder.</summary>
    [JsonPropertyName("scores")]
    public required string Scores { get; init; }

    /// <summary>Tokens scored.</summary>
    [JsonPropertyName("tokens")]
    public long Tokens { get; init; }

    /// <summary>Mean reference loss.</summary>
    [JsonPropertyName("mean_ref_loss")]
    public double MeanRefLoss { get; init; }

    /// <summary>Scoring throughput.</summary>
    [JsonPropertyName("tokens_per_s")]
    public double TokensPerSecond { get; init; }

    /// <summary>Scoring FLOPs.</summary>
    [JsonPropertyName("flops")]
    public double ScoringFlops { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public double? Flops => ScoringFlops;
}
