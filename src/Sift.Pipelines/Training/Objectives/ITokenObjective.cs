using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>The micro-batch an objective weighs.</summary>
/// <param name="losses">The student's per-token losses from this forward pass [B·T].</param>
/// <param name="targets">Target ids [B·T] (IgnoreIndex = no loss).</param>
/// <param name="windowStarts">Absolute stream offset of each window [B] (to align side data such as reference scores).</param>
/// <param name="seqLen">Tokens per window.</param>
/// <param name="stepTokens">Tokens in the whole optimizer step (all micro-batches), the normaliser for mean losses.</param>
internal readonly ref struct MicroBatch(ReadOnlySpan<float> losses, ReadOnlySpan<int> targets, ReadOnlySpan<long> windowStarts, int seqLen, int stepTokens)
{
    /// <summary>Student per-token losses.</summary>
    public ReadOnlySpan<float> Losses { get; } = losses;

    /// <summary>Targets.</summary>
    public ReadOnlySpan<int> Targets { get; } = targets;

    /// <summary>Window start offsets.</summary>
    public ReadOnlySpan<long> WindowStarts { get; } = windowStarts;

    /// <summary>Tokens per window.</summary>
    public int SeqLen { get; } = seqLen;

    /// <summary>Tokens in the optimizer step.</summary>
    public int StepTokens { get; } = stepTokens;
}

/// <summary>
/// Turns per-token losses into per-token backward weights: CLM gives every token 1/N; selective training keeps the
/// top k by excess loss with 1/k. The engine's backward is the same for every objective. Each objective is one
/// file with its <see cref="ObjectiveSpec"/>, registered once in <see cref="ObjectiveRegistry"/>.
/// </summary>
internal interface ITokenObjective
{
    /// <summary>Fills <paramref name="weights"/> [B·T]; returns how many tokens got a non-zero weight.</summary>
    int ComputeWeights(in MicroBatch batch, Span<float> weights);
}

/// <summary>An objective that reports its own statistics in the training records of metrics.jsonl.</summary>
internal interface IObjectiveMetrics
{
    /// <summary>Adds the statistics accumulated since the last call to <paramref name="line"/> and resets them.</summary>
    MetricsLine AddTo(MetricsLine line);
}
