using Sift.Engine.Ops;

namespace Sift.Pipelines.Training;

/// <summary>The micro-batch an objective weighs.</summary>
/// <param name="Losses">The student's per-token losses from this forward pass [B·T].</param>
/// <param name="Targets">Target ids [B·T] (IgnoreIndex = no loss).</param>
/// <param name="WindowStarts">Absolute stream offset of each window [B] (to align side data such as reference scores).</param>
/// <param name="SeqLen">Tokens per window.</param>
/// <param name="StepTokens">Tokens in the whole optimizer step (all micro-batches), the normaliser for mean losses.</param>
public readonly ref struct MicroBatch(ReadOnlySpan<float> losses, ReadOnlySpan<int> targets, ReadOnlySpan<long> windowStarts, int seqLen, int stepTokens)
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
/// Turns per-token losses into per-token backward weights. CLM gives every token 1/N; selective training
/// keeps the top-k by excess loss with 1/k; answer-only SFT weights answer tokens only. The engine's backward
/// is the same for all of them.
/// </summary>
public interface ITokenObjective
{
    /// <summary>Name written to metrics ("clm", "slm", "random").</summary>
    string Name { get; }

    /// <summary>Fills <paramref name="weights"/> [B·T]; returns how many tokens got a non-zero weight.</summary>
    int ComputeWeights(in MicroBatch batch, Span<float> weights);
}

/// <summary>Causal language modeling: the mean loss over every token of the step.</summary>
public sealed class ClmObjective : ITokenObjective
{
    /// <inheritdoc />
    public string Name => "clm";

    /// <inheritdoc />
    public int ComputeWeights(in MicroBatch batch, Span<float> weights)
    {
        float w = 1f / batch.StepTokens;
        int kept = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            bool valid = batch.Targets[i] != CrossEntropy.IgnoreIndex;
            weights[i] = valid ? w : 0f;
            kept += valid ? 1 : 0;
        }
        return kept;
    }
}
