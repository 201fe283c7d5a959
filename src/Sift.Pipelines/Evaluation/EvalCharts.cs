using Sift.Core.Reporting;
using Sift.Eval.Metrics;

namespace Sift.Pipelines.Evaluation;

/// <summary>SVG of the scaling curves (accuracy against the number of samples, mean ± std over random subsets).</summary>
internal static class EvalCharts
{
    /// <summary>One line per selector over N (log scale), with a mean ± std band; pass@N (the oracle) dashed.</summary>
    public static string Curves(IReadOnlyList<ScalingCurve> curves, string title) =>
        new SvgLineChart { Title = title, XLabel = "N (samples per problem, log scale)", YLabel = "accuracy %", LogX2 = true, LegendBottom = true }.Render(
            curves.Select(c => new ChartSeries(c.Name,
                c.Points.Select(p => ((double)p.N, p.Mean)).ToList(),
                Dashed: c.Selector == Selector.Pass,
                Band: c.Points.Select(p => ((double)p.N, p.Mean - p.Std, p.Mean + p.Std)).ToList())).ToList());
}
