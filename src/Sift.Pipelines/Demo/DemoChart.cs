using System.Globalization;
using Sift.Core.Reporting;

namespace Sift.Pipelines.Demo;

/// <summary>
/// Rho-1's Figure 1 in miniature: held-out clean loss and accuracy of the students against training tokens. Each line is
/// an arm's mean over the seeds with a shaded band from the lowest to the highest seed; solid lines count tokens
/// processed, dashed lines put the selective students against the tokens that got gradient (the selected-token
/// accounting). The axes fit the data: the token axis ends at the last evaluation and the loss and accuracy axes span
/// the curves. The titles carry the verdict over seeds.
/// </summary>
internal static class DemoChart
{
    /// <summary>The two panels (loss above, accuracy below) as one SVG.</summary>
    public static string Render(DemoResult r)
    {
        var loss = new List<ChartSeries>();
        var acc = new List<ChartSeries>();
        foreach (var a in r.Arms)
        {
            var runs = r.Runs.Select(x => x.Arm(a.Name)).OfType<ArmResult>().ToList();
            loss.Add(new ChartSeries(a.Name, a.Curve.Select(p => ((double)p.Tokens, p.CleanLoss)).ToList(), Band: Band(a, runs, p => p.CleanLoss, p => p.Tokens), Color: a.Color));
            acc.Add(new ChartSeries(a.Name, a.Curve.Select(p => ((double)p.Tokens, p.Accuracy)).ToList(), Band: Band(a, runs, p => p.Accuracy, p => p.Tokens), Color: a.Color));
        }
        foreach (var a in r.Arms.Where(a => a != r.Baseline))
        {
            loss.Add(new ChartSeries($"{a.Name} vs selected tokens", a.Curve.Select(p => ((double)p.TrainedTokens, p.CleanLoss)).ToList(), Dashed: true, Color: a.Color));
            acc.Add(new ChartSeries($"{a.Name} vs selected tokens", a.Curve.Select(p => ((double)p.TrainedTokens, p.Accuracy)).ToList(), Dashed: true, Color: a.Color));
        }
        if (r.Baseline is var clm && clm.Curve.Count > 0)
        {
            double x1 = r.Arms.Max(a => a.Curve.Count > 0 ? a.Curve[^1].Tokens : 0);
            loss.Add(new ChartSeries($"CLM final {clm.CleanLoss.ToString("0.000", CultureInfo.InvariantCulture)}", [(0, clm.CleanLoss), (x1, clm.CleanLoss)], Dashed: true, Color: "#999999"));
        }
        var accuracy = r.Verdict.Metric("accuracy");
        if (double.IsFinite(accuracy.Chance) && r.Arms.Any(a => a.Curve.Count > 0))
        {
            // What always giving the most common held-out answer scores: accuracy near it says nothing about solving.
            double x1 = r.Arms.Max(a => a.Curve.Count > 0 ? a.Curve[^1].Tokens : 0);
            acc.Add(new ChartSeries($"always \"{accuracy.ChanceAnswer}\" {(accuracy.Chance * 100).ToString("0.0", CultureInfo.InvariantCulture)}%", [(0, accuracy.Chance), (x1, accuracy.Chance)], Dashed: true, Color: "#bbbbbb"));
        }
        string seeds = r.Runs.Count > 1 ? $"{r.Runs.Count} seeds, min–max band" : "one seed";
        var v = r.Verdict;
        string LossTitle() => v.HasArm && r.Runs.Count > 1
            ? $"Clean loss ({seeds}): SLM − CLM {v.Metric("clean_loss").DiffText(v.Arm)}, {v.Metric("clean_loss").OutcomeOf(v.Arm).Beyond()}"
            : $"Held-out clean loss ({seeds})";
        string AccTitle() => v.HasArm && r.Runs.Count > 1
            ? $"Accuracy ({seeds}): SLM − CLM {v.Metric("accuracy").DiffText(v.Arm)}, {v.Metric("accuracy").OutcomeOf(v.Arm).Beyond()}"
            : $"Held-out accuracy, greedy decoding ({seeds})";
        const int w = 860, h = 430;
        string top = new SvgLineChart { Title = LossTitle(), XLabel = "training tokens", YLabel = "loss (nats/token)", Width = w, Height = h, LegendWidth = 230, Tight = true }.Render(loss);
        string bottom = new SvgLineChart { Title = AccTitle(), XLabel = "training tokens", YLabel = "accuracy", Width = w, Height = h, LegendWidth = 230, LegendBottom = true, YMin = 0, Tight = true }.Render(acc);
        return SvgPanels.Stack([top, bottom], w, h);
    }

    // The lowest and highest seed at each evaluation (null with one seed).
    private static List<(double X, double Lo, double Hi)>? Band(ArmResult mean, IReadOnlyList<ArmResult> runs, Func<EvalPoint, double> y, Func<EvalPoint, long> x)
    {
        if (runs.Count < 2 || runs.Any(run => run.Curve.Count != mean.Curve.Count))
        {
            return null;
        }
        return mean.Curve.Select((p, i) => ((double)x(p), runs.Min(run => y(run.Curve[i])), runs.Max(run => y(run.Curve[i])))).ToList();
    }
}
