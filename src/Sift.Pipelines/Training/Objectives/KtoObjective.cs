using Sift.Data.Examples;
using Sift.Pipelines.Training.FineTuning;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>
/// Kahneman–Tversky optimisation on labelled completions (TRL loss_type "kto", spec §3.2): r = log π − log π_ref of the
/// completion; z0 = max(0, mean over the micro-batch's KL rows of the same log-ratio on mismatched prompt/completion
/// pairs), detached; desirable λ_D·(1 − σ(β(r − z0))), undesirable λ_U·(1 − σ(β(z0 − r))); loss = mean over examples.
/// The KL rows run forward without gradient; only the examples' own tokens get weights.
/// </summary>
internal sealed class KtoObjective(double beta, double desirableWeight, double undesirableWeight) : IExampleObjective, IObjectiveMetrics
{
    /// <summary>Registry entry.</summary>
    public static ObjectiveSpec Spec { get; } = new("kto", "KTO", "#e377c2",
        "Kahneman-Tversky optimisation on a kto example dataset (pref.beta, kto.desirable_weight, kto.undesirable_weight)",
        ObjectiveNeeds.None, Selective: false, ObjectiveSpec.ExamplesOnly("kto"), r => $"KTO (β {r.FineTune.Beta})")
    {
        Examples = ExampleKind.Kto,
        CreateForExamples = c => new KtoObjective(c.Options.Beta, c.Options.DesirableWeight, c.Options.UndesirableWeight),
    };

    private readonly PreferenceMetrics _stats = new();
    private double[] _klRatios = [];

    /// <inheritdoc />
    public ExampleStepShare ComputeWeights(in ExampleBatch batch, Span<float> weights)
    {
        var reference = batch.Reference ?? throw new InvalidOperationException("KTO needs reference log-probs");
        weights.Clear();
        int rows = batch.Rows.Length, T = batch.SeqLen, nKl = 0;
        if (_klRatios.Length < rows)
        {
            _klRatios = new double[rows];
        }
        for (int r = 0; r < rows; r++)
        {
            if (batch.AuxRows[r].Example >= 0)
            {
                _klRatios[nKl++] = batch.AuxRowLogProb(r).LogProb - reference.Of(batch.AuxRows[r]);
            }
        }
        double z0 = PreferenceLosses.KtoKl(_klRatios.AsSpan(0, nKl));
        _stats.AddKl(z0);
        double n = Math.Max(1, batch.StepExamples), loss = 0;
        int kept = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = batch.Rows[r];
            if (row.Example < 0)
            {
                continue;
            }
            double rho = batch.RowLogProb(r).LogProb - reference.Of(row);
            bool desirable = row.Label == 1;
            var lg = PreferenceLosses.Kto(desirable, rho, z0, beta, desirableWeight, undesirableWeight);
            loss += lg.Loss / n;
            if (desirable)
            {
                _stats.AddChosen(beta * rho);
            }
            else
            {
                _stats.AddRejected(beta * rho);
            }
            kept += DpoObjective.Fill(weights.Slice(r * T, T), batch.Targets.Slice(r * T, T), (float)(-lg.Grad / n));
        }
        return new ExampleStepShare(loss, kept);
    }

    /// <inheritdoc />
    public MetricsLine AddTo(MetricsLine line) => _stats.AddTo(line);
}
