using Sift.Data.Examples;
using Sift.Pipelines.Training.FineTuning;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>One micro-batch of example rows (<see cref="ExampleSampler"/>) after the forward pass.</summary>
/// <param name="losses">Per-token losses [B·T] (0 where the target is ignored).</param>
/// <param name="targets">Targets [B·T] (ignored: prompt, padding).</param>
/// <param name="rows">What each row holds [B].</param>
/// <param name="auxLosses">KTO: losses of the KL rows [B·T] (a no-gradient forward), else empty.</param>
/// <param name="auxTargets">KTO: targets of the KL rows.</param>
/// <param name="auxRows">KTO: the KL rows.</param>
/// <param name="seqLen">Columns per row.</param>
/// <param name="stepTargets">Completion targets in the whole optimizer step (SFT's normaliser, TRL's num_items_in_batch).</param>
/// <param name="stepExamples">Examples in the whole optimizer step (the preference losses' mean).</param>
/// <param name="reference">Reference log-probs per document (preference objectives), else null.</param>
/// <param name="outputs">The forward's output rows [B·T, vocab]: logits, or after a training forward the softmax
/// probabilities (either way their order within a row is the logits' order), or empty when not given.</param>
/// <param name="vocab">Columns of <paramref name="outputs"/>.</param>
internal readonly ref struct ExampleBatch(ReadOnlySpan<float> losses, ReadOnlySpan<int> targets, ReadOnlySpan<ExampleRow> rows,
    ReadOnlySpan<float> auxLosses, ReadOnlySpan<int> auxTargets, ReadOnlySpan<ExampleRow> auxRows, int seqLen, long stepTargets, long stepExamples,
    ReferenceLogProbs? reference, ReadOnlySpan<float> outputs = default, int vocab = 0)
{
    /// <summary>Output rows [B·T, Vocab] (logits or probabilities), or empty.</summary>
    public ReadOnlySpan<float> Outputs { get; } = outputs;

    /// <summary>Columns of <see cref="Outputs"/>.</summary>
    public int Vocab { get; } = vocab;

    /// <summary>Per-token losses.</summary>
    public ReadOnlySpan<float> Losses { get; } = losses;

    /// <summary>Targets.</summary>
    public ReadOnlySpan<int> Targets { get; } = targets;

    /// <summary>Rows.</summary>
    public ReadOnlySpan<ExampleRow> Rows { get; } = rows;

    /// <summary>KL rows' losses.</summary>
    public ReadOnlySpan<float> AuxLosses { get; } = auxLosses;

    /// <summary>KL rows' targets.</summary>
    public ReadOnlySpan<int> AuxTargets { get; } = auxTargets;

    /// <summary>KL rows.</summary>
    public ReadOnlySpan<ExampleRow> AuxRows { get; } = auxRows;

    /// <summary>Columns per row.</summary>
    public int SeqLen { get; } = seqLen;

    /// <summary>Completion targets in the step.</summary>
    public long StepTargets { get; } = stepTargets;

    /// <summary>Examples in the step.</summary>
    public long StepExamples { get; } = stepExamples;

    /// <summary>Reference log-probs.</summary>
    public ReferenceLogProbs? Reference { get; } = reference;

    /// <summary>Sequence log-prob of row <paramref name="row"/> (−Σ losses over its completion targets) and the number of targets.</summary>
    public (double LogProb, int Targets) RowLogProb(int row) => Sum(Losses, Targets, row, SeqLen);

    /// <summary>The same for KL row <paramref name="row"/>.</summary>
    public (double LogProb, int Targets) AuxRowLogProb(int row) => Sum(AuxLosses, AuxTargets, row, SeqLen);

    private static (double, int) Sum(ReadOnlySpan<float> losses, ReadOnlySpan<int> targets, int row, int T)
    {
        double s = 0;
        int n = 0;
        for (int j = row * T; j < (row + 1) * T; j++)
        {
            if (targets[j] != ExampleSampler.IgnoreTarget)
            {
                s -= losses[j];
                n++;
            }
        }
        return (s, n);
    }
}

/// <summary>What an example objective contributed to the step.</summary>
/// <param name="Loss">This micro-batch's share of the step's loss.</param>
/// <param name="Kept">Tokens given a non-zero weight.</param>
internal readonly record struct ExampleStepShare(double Loss, int Kept);

/// <summary>
/// An objective over whole examples (answer-only SFT, DPO, IPO, KTO): per-token backward weights from sequence-level
/// losses. Because log π(y|x) = −Σ token losses, d(loss)/d(token loss) is the same for every completion token of a
/// row, and the engine's backward is the language-modeling one.
/// </summary>
internal interface IExampleObjective
{
    /// <summary>Fills <paramref name="weights"/> [B·T] and returns this micro-batch's loss share.</summary>
    ExampleStepShare ComputeWeights(in ExampleBatch batch, Span<float> weights);
}

/// <summary>What a run hands an example objective's factory.</summary>
/// <param name="Recipe">The resolved recipe.</param>
/// <param name="Options">The fine-tuning settings.</param>
/// <param name="LabelIds">prm/orm: the positive and negative label token ids of the training set, else null.</param>
internal sealed record ExampleObjectiveContext(TrainRecipe Recipe, FineTuneOptions Options, IReadOnlyList<int>? LabelIds = null);
