using Sift.Data;
using Sift.Pipelines.Selective;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>Rho-1 selective language modeling: keep the tokens with the highest excess loss L_student − L_ref.</summary>
internal sealed class SlmObjective(ReferenceScores scores, double ratio, SelectScope scope, SideShardReader<byte>? labels)
    : SelectionObjective(ratio, scope, labels)
{
    /// <summary>Registry entry.</summary>
    public static ObjectiveSpec Spec { get; } = new("slm", "SLM", "#d62728", "Rho-1 selective LM: the top train.select_ratio of tokens by excess loss over the reference",
        ObjectiveNeeds.ReferenceScores, Selective: true,
        c => new SlmObjective(c.ReferenceScores!, c.Recipe.SelectRatio, c.Recipe.SelectScope, c.Labels),
        r => $"SLM student (top {r.SelectRatio:P0} by excess loss)");

    private float[] _ref = [];

    /// <inheritdoc />
    protected override void Score(in MicroBatch batch, Span<float> score)
    {
        int n = score.Length;
        if (_ref.Length < n)
        {
            _ref = new float[n];
        }
        var reference = _ref.AsSpan(0, n);
        WindowSideData.ReadTargets(scores, batch.WindowStarts, batch.SeqLen, reference);
        for (int i = 0; i < n; i++)
        {
            score[i] = batch.Losses[i] - reference[i];
        }
    }
}
