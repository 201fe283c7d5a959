using Sift.Core.Reporting;
using Sift.Eval.Metrics;

namespace Sift.Pipelines.Evaluation;

/// <summary>SVG of the scaling curves (accuracy against the number of samples, mean ± std over random subsets).</summary>
internal static class EvalCharts
{
    /// <summary>One line per selector over log2 N, with a mean ± std band.</summary>
    public static string Curves(IReadOnlyList<ScalingCurve> curves, string title) =>
        new SvgLineChart { Title = title, XLabel = "log2 N (samples per problem)", YLabel = "accuracy %" }.Render(
            curves.Select(c => new ChartSeries(c.Name,
                c.Points.Select(p => (Math.Log2(p.N), p.Mean)).ToList(),
                Dashed: c.Name.StartsWith("pass", StringComparison.Ordinal),
                Band: c.Points.Select(p => (Math.Log2(p.N), p.Mean - p.Std, p.Mean + p.Std)).ToList())).ToList());
}
