using System.Text.Json.Serialization;

namespace Sift.Pipelines.Training.Metrics;

/// <summary>
/// One line of a run's metrics.jsonl. A line is a training record (loss, lr, grad_norm, throughput and, for selective
/// objectives, what was selected), an evaluation record (held-out losses and accuracy), or an error record; fields a
/// line does not have are omitted. The same type writes the file and reads it back (metrics files of earlier
/// versions have the same keys, so they read too).
/// </summary>
internal sealed record MetricsLine
{
    /// <summary>Optimizer steps done.</summary>
    [JsonPropertyName("step")]
    public long Step { get; init; }

    /// <summary>Tokens processed.</summary>
    [JsonPropertyName("tokens")]
    public long Tokens { get; init; }

    /// <summary>Tokens that received gradient (absent in the oldest files: then equal to <see cref="Tokens"/>).</summary>
    [JsonPropertyName("trained_tokens")]
    public long? TrainedTokens { get; init; }

    // Training records.

    /// <summary>Mean training loss of the step (may be NaN or infinite in an error record).</summary>
    [JsonPropertyName("loss")]
    public double? Loss { get; init; }

    /// <summary>Learning rate of the step.</summary>
    [JsonPropertyName("lr")]
    public float? Lr { get; init; }

    /// <summary>Global gradient norm before clipping.</summary>
    [JsonPropertyName("grad_norm")]
    public double? GradNorm { get; init; }

    /// <summary>Tokens per second over the interval since the last record.</summary>
    [JsonPropertyName("tokens_per_s")]
    public double? TokensPerSecond { get; init; }

    /// <summary>Training seconds so far (all invocations of a resumed run).</summary>
    [JsonPropertyName("elapsed_s")]
    public double? ElapsedSeconds { get; init; }

    /// <summary>Share of the interval's step time spent computing the objective's token weights.</summary>
    [JsonPropertyName("objective_share")]
    public double? ObjectiveShare { get; init; }

    /// <summary>Mean student loss of the selected tokens since the last record.</summary>
    [JsonPropertyName("loss_selected")]
    public double? LossSelected { get; init; }

    /// <summary>Mean student loss of the tokens not selected since the last record.</summary>
    [JsonPropertyName("loss_unselected")]
    public double? LossUnselected { get; init; }

    /// <summary>Share of tokens selected since the last record.</summary>
    [JsonPropertyName("selected_fraction")]
    public double? SelectedFraction { get; init; }

    /// <summary>[selected, seen] per position bucket of the window since the last record.</summary>
    [JsonPropertyName("selected_position_counts")]
    public long[][]? SelectedPositionCounts { get; init; }

    /// <summary>Share selected per provenance label since the last record.</summary>
    [JsonPropertyName("selected_share")]
    public Dictionary<string, double>? SelectedShare { get; init; }

    /// <summary>[selected, seen] per provenance label since the last record (pooled exactly over a run).</summary>
    [JsonPropertyName("selected_counts")]
    public Dictionary<string, long[]>? SelectedCounts { get; init; }

    // Evaluation records.

    /// <summary>Mean loss on validation windows.</summary>
    [JsonPropertyName("eval_loss")]
    public double? EvalLoss { get; init; }

    /// <summary>Mean per-token loss on the held-out problem documents.</summary>
    [JsonPropertyName("clean_loss")]
    public double? CleanLoss { get; init; }

    /// <summary>Mean loss of the held-out problems' answer tokens.</summary>
    [JsonPropertyName("answer_loss")]
    public double? AnswerLoss { get; init; }

    /// <summary>Greedy exact-answer accuracy on the decoded held-out problems.</summary>
    [JsonPropertyName("accuracy")]
    public double? Accuracy { get; init; }

    /// <summary>Problems decoded for accuracy.</summary>
    [JsonPropertyName("accuracy_problems")]
    public int? AccuracyProblems { get; init; }

    /// <summary>The same figures per difficulty tier.</summary>
    [JsonPropertyName("tiers")]
    public Dictionary<string, TierEval>? Tiers { get; init; }

    /// <summary>Seconds the held-out probe took.</summary>
    [JsonPropertyName("probe_seconds")]
    public double? ProbeSeconds { get; init; }

    // Error records.

    /// <summary>Why training stopped ("non-finite").</summary>
    [JsonPropertyName("error")]
    public string? Error { get; init; }

    /// <summary>Preference objectives (dpo, ipo, kto): rewards, accuracy, margin, KL.</summary>
    [JsonPropertyName("preference")]
    public FineTuning.PreferenceStats? Preference { get; init; }

    /// <summary>Reward-model objectives (prm, orm): training step accuracy of the {+, −} argmax.</summary>
    [JsonPropertyName("step_labels")]
    public StepLabelStats? StepLabels { get; init; }

    /// <summary>Reward-model objectives: held-out step accuracy of the {+, −} argmax.</summary>
    [JsonPropertyName("eval_step_accuracy")]
    public double? EvalStepAccuracy { get; init; }

    /// <summary>True for a record with held-out problem results.</summary>
    [JsonIgnore]
    public bool HasProbe => CleanLoss is not null;

    /// <summary><see cref="TrainedTokens"/>, or <see cref="Tokens"/> for files that predate it.</summary>
    [JsonIgnore]
    public long TrainedOrTokens => TrainedTokens ?? Tokens;
}

/// <summary>Held-out figures of one difficulty tier.</summary>
internal sealed record TierEval
{
    /// <summary>Mean per-token loss of the tier's problem documents.</summary>
    [JsonPropertyName("clean_loss")]
    public double? CleanLoss { get; init; }

    /// <summary>Mean loss of the tier's answer tokens.</summary>
    [JsonPropertyName("answer_loss")]
    public double? AnswerLoss { get; init; }

    /// <summary>Greedy accuracy on the tier's decoded problems.</summary>
    [JsonPropertyName("accuracy")]
    public double? Accuracy { get; init; }

    /// <summary>Problems of the tier decoded.</summary>
    [JsonPropertyName("accuracy_problems")]
    public int? AccuracyProblems { get; init; }
}
