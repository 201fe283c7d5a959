using Sift.Core.Random;
using Sift.Data;
using Sift.Pipelines.Selective;
using Sift.Synth;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>
/// Research control: a perfect data filter at the same ratio. Keeps k tokens per scope, clean-labelled ones
/// (correct problems and math prose, by the provenance side shard) first and in random order, so it trains on
/// exactly the clean tokens SLM could at best select; when k exceeds them, random other tokens fill the rest.
/// Measures how much the noise itself costs the baseline, separately from how well excess loss finds it.
/// </summary>
internal sealed class OracleSelectionObjective(Rng rng, double ratio, SelectScope scope, SideShardReader<byte> labels)
    : SelectionObjective(ratio, scope, labels)
{
    private readonly SideShardReader<byte> _labels = labels;

    /// <summary>Registry entry.</summary>
    public static ObjectiveSpec Spec { get; } = new("oracle", "oracle (clean tokens first)", "#9467bd", "control: train.select_ratio of tokens, clean-labelled ones first (needs data.labels)",
        ObjectiveNeeds.Labels, Selective: true,
        c => new OracleSelectionObjective(c.Rng, c.Recipe.SelectRatio, c.Recipe.SelectScope, c.Labels!),
        r => $"oracle student ({r.SelectRatio:P0} of tokens, clean-labelled first)");

    private byte[] _lab = [];

    /// <inheritdoc />
    protected override void Score(in MicroBatch batch, Span<float> score)
    {
        int n = score.Length;
        if (_lab.Length < n)
        {
            _lab = new byte[n];
        }
        var lab = _lab.AsSpan(0, n);
        WindowSideData.ReadTargets(_labels, batch.WindowStarts, batch.SeqLen, lab);
        for (int i = 0; i < n; i++)
        {
            // Clean kinds rank above every other token; the random part orders tokens within each group.
            bool clean = ((Provenance)lab[i]).IsCleanKind();
            score[i] = (clean ? 1f : 0f) + 0.5f * (float)rng.NextDouble();
        }
    }
}
