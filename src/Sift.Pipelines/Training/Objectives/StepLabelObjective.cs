using Sift.Data.Examples;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>
/// Reward-model training on label tokens (prm and orm example datasets): the target is the positive or negative label
/// id at each read position (a step tag, or the row before an assistant "+") and ignored everywhere else, so the loss
/// is Σ over labelled positions of the label token's cross-entropy ÷ the labelled positions of the whole optimizer
/// step (TRL PRMTrainer's mean over non-ignored labels, over all micro-batches as TRL's num_items_in_batch). The
/// cross-entropy is over the full vocabulary (the LM head is trained, as Math-Shepherd and RLHFlow train theirs),
/// whereas the scorer reads the 2-way softmax over {+, −}; the step accuracy reported is that 2-way argmax.
/// </summary>
internal sealed class StepLabelObjective(int positiveId, int negativeId) : IExampleObjective, IObjectiveMetrics
{
    private readonly StepLabelMetrics _stats = new();

    /// <summary>The objective for a run over a prm or orm dataset.</summary>
    public static StepLabelObjective Create(ExampleObjectiveContext c) =>
        c.LabelIds is { Count: 2 } ids ? new StepLabelObjective(ids[0], ids[1]) : throw new InvalidOperationException("a prm/orm run needs the dataset's label ids");

    /// <inheritdoc />
    public ExampleStepShare ComputeWeights(in ExampleBatch batch, Span<float> weights)
    {
        float w = 1f / Math.Max(1, batch.StepTargets);
        double loss = 0;
        int kept = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            int target = batch.Targets[i];
            bool on = target != ExampleSampler.IgnoreTarget;
            weights[i] = on ? w : 0f;
            if (!on)
            {
                continue;
            }
            loss += batch.Losses[i] * (double)w;
            kept++;
            if (!batch.Outputs.IsEmpty)
            {
                _stats.Add(target == positiveId, PredictsPositive(batch.Outputs, batch.Vocab, i, positiveId, negativeId));
            }
        }
        return new ExampleStepShare(loss, kept);
    }

    /// <summary>The 2-way argmax at row <paramref name="i"/>: positive when its output beats the negative's (a tie reads negative).</summary>
    public static bool PredictsPositive(ReadOnlySpan<float> outputs, int vocab, int i, int positiveId, int negativeId) =>
        outputs[(i * vocab) + positiveId] > outputs[(i * vocab) + negativeId];

    /// <inheritdoc />
    public MetricsLine AddTo(MetricsLine line) => _stats.AddTo(line);
}
