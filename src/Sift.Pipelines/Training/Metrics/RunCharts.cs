using Sift.Core.IO;
using Sift.Core.Reporting;

namespace Sift.Pipelines.Training.Metrics;

/// <summary>A run's charts from its metrics: loss.svg (training, validation and held-out losses) and accuracy.svg.</summary>
internal static class RunCharts
{
    /// <summary>Writes the charts into <paramref name="runDir"/>.</summary>
    public static void Write(string runDir, IReadOnlyList<MetricsLine> lines)
    {
        static List<(double, double)> Points(IEnumerable<MetricsLine> ls, Func<MetricsLine, double?> value) =>
            ls.Where(l => value(l) is double v && double.IsFinite(v)).Select(l => ((double)l.Tokens, value(l)!.Value)).ToList();
        var series = new List<ChartSeries> { new("train", Points(lines, l => l.Loss)) };
        var eval = Points(lines, l => l.EvalLoss);
        if (eval.Count > 0)
        {
            series.Add(new ChartSeries("validation", eval, Dashed: true));
        }
        var clean = Points(lines, l => l.CleanLoss);
        if (clean.Count > 0)
        {
            series.Add(new ChartSeries("held-out problems", clean, Dashed: true));
            series.Add(new ChartSeries("answer tokens", Points(lines, l => l.AnswerLoss), Dashed: true));
        }
        var chart = new SvgLineChart { Title = "Training loss", XLabel = "tokens processed", YLabel = "loss (nats/token)" };
        AtomicFile.WriteAllText(Path.Combine(runDir, "loss.svg"), chart.Render(series));
        var acc = Points(lines, l => l.Accuracy);
        if (acc.Count > 0)
        {
            var tiers = lines.Where(l => l.Tiers is not null).SelectMany(l => l.Tiers!.Keys).Distinct().Order(StringComparer.Ordinal);
            var accSeries = new List<ChartSeries> { new("all", acc) };
            foreach (string t in tiers)
            {
                accSeries.Add(new ChartSeries(t, Points(lines, l => l.Tiers?.GetValueOrDefault(t)?.Accuracy), Dashed: true));
            }
            var accChart = new SvgLineChart { Title = "Held-out accuracy (greedy, exact answer)", XLabel = "tokens processed", YLabel = "accuracy" };
            AtomicFile.WriteAllText(Path.Combine(runDir, "accuracy.svg"), accChart.Render(accSeries));
        }
    }
}
