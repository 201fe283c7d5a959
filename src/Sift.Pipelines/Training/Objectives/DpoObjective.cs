using Sift.Core;
using Sift.Data.Examples;
using Sift.Pipelines.Training.FineTuning;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>
/// Direct preference optimisation on pairs (TRL, spec §3.1): ρ = log π(y|x) − log π_ref(y|x) summed over completion
/// tokens, Δ = ρ_w − ρ_l, loss = mean over pairs of the sigmoid (with label smoothing) or hinge loss; IPO averages
/// ρ per completion token (<see cref="IpoObjective"/>). Chosen and rejected sit in adjacent rows. Since
/// log π = −Σ token losses, a chosen token's weight is −(dL/dΔ)/N and a rejected token's +(dL/dΔ)/N (IPO: ÷ |y|).
/// </summary>
internal sealed class DpoObjective(DpoLoss kind, double beta, double labelSmoothing) : IExampleObjective, IObjectiveMetrics
{
    /// <summary>Registry entry.</summary>
    public static ObjectiveSpec Spec { get; } = new("dpo", "DPO", "#9467bd",
        "direct preference optimisation on a pairs example dataset (pref.loss sigmoid|hinge, pref.beta, pref.label_smoothing)",
        ObjectiveNeeds.None, Selective: false, ObjectiveSpec.ExamplesOnly("dpo"), r => $"DPO ({r.FineTune.DpoLoss.ToString().ToLowerInvariant()}, β {r.FineTune.Beta})")
    {
        Examples = ExampleKind.Pairs,
        CreateForExamples = c => new DpoObjective(c.Options.DpoLoss, c.Options.Beta, c.Options.LabelSmoothing),
    };

    private readonly PreferenceMetrics _stats = new();

    /// <inheritdoc />
    public ExampleStepShare ComputeWeights(in ExampleBatch batch, Span<float> weights)
    {
        var reference = batch.Reference ?? throw new InvalidOperationException("DPO needs reference log-probs");
        weights.Clear();
        double loss = 0;
        int kept = 0, T = batch.SeqLen;
        double n = Math.Max(1, batch.StepExamples);
        for (int r = 0; r + 1 < batch.Rows.Length; r += 2)
        {
            var (cRow, rRow) = (batch.Rows[r], batch.Rows[r + 1]);
            if (cRow.Example < 0)
            {
                continue;
            }
            if (cRow.Slot != 0 || rRow.Slot != 1 || rRow.Example != cRow.Example)
            {
                throw new SiftException($"DPO: rows {r} and {r + 1} are not the chosen and rejected of one pair");
            }
            var (lpC, nC) = batch.RowLogProb(r);
            var (lpR, nR) = batch.RowLogProb(r + 1);
            double rhoC = lpC - reference.Of(cRow), rhoR = lpR - reference.Of(rRow);
            // IPO compares per-token averages; its gradient reaches each token divided by the completion length.
            double scaleC = kind == DpoLoss.Ipo ? 1.0 / Math.Max(1, nC) : 1, scaleR = kind == DpoLoss.Ipo ? 1.0 / Math.Max(1, nR) : 1;
            var lg = PreferenceLosses.Dpo(kind, (rhoC * scaleC) - (rhoR * scaleR), beta, labelSmoothing);
            loss += lg.Loss / n;
            _stats.AddPair(beta * rhoC, beta * rhoR);
            // dL/d(token loss) = dL/dΔ · dΔ/dlogπ · dlogπ/d(token loss), with dlogπ/d(token loss) = −1.
            kept += Fill(weights.Slice(r * T, T), batch.Targets.Slice(r * T, T), (float)(-lg.Grad * scaleC / n));
            kept += Fill(weights.Slice((r + 1) * T, T), batch.Targets.Slice((r + 1) * T, T), (float)(lg.Grad * scaleR / n));
        }
        return new ExampleStepShare(loss, kept);
    }

    /// <summary>Sets <paramref name="w"/> on every completion target of a row; returns how many.</summary>
    internal static int Fill(Span<float> weights, ReadOnlySpan<int> targets, float w)
    {
        int k = 0;
        for (int j = 0; j < weights.Length; j++)
        {
            if (targets[j] != ExampleSampler.IgnoreTarget)
            {
                weights[j] = w;
                k++;
            }
        }
        return k;
    }

    /// <inheritdoc />
    public MetricsLine AddTo(MetricsLine line) => _stats.AddTo(line);
}
