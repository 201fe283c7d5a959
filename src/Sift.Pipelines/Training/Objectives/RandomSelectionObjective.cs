using Sift.Core.Random;
using Sift.Data;
using Sift.Pipelines.Selective;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>Control arm: keep a uniformly random k tokens per scope (same ratio as SLM).</summary>
internal sealed class RandomSelectionObjective(Rng rng, double ratio, SelectScope scope, SideShardReader<byte>? labels)
    : SelectionObjective(ratio, scope, labels)
{
    /// <summary>Registry entry.</summary>
    public static ObjectiveSpec Spec { get; } = new("random", "random selection", "#2ca02c", "control: train.select_ratio of tokens chosen uniformly at random",
        ObjectiveNeeds.None, Selective: true,
        c => new RandomSelectionObjective(c.Rng, c.Recipe.SelectRatio, c.Recipe.SelectScope, c.Labels),
        r => $"random-selection student ({r.SelectRatio:P0} of tokens at random)");

    /// <inheritdoc />
    protected override bool Ranked => false;

    /// <inheritdoc />
    protected override void Score(in MicroBatch batch, Span<float> score) => score.Clear();

    /// <inheritdoc />
    protected override void Choose(Span<int> candidates, int k, Span<bool> keep)
    {
        // Partial Fisher–Yates with the run's generator (saved in checkpoints, so resume is exact).
        for (int i = 0; i < k; i++)
        {
            int j = i + rng.NextInt(candidates.Length - i);
            (candidates[i], candidates[j]) = (candidates[j], candidates[i]);
            keep[candidates[i]] = true;
        }
    }
}
