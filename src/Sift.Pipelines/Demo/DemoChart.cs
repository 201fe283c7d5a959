using System.Globalization;
using Sift.Core.Reporting;

namespace Sift.Pipelines.Demo;

/// <summary>
/// Rho-1's Figure 1 in miniature: held-out accuracy and clean loss of the students against training tokens.
/// Solid lines count tokens processed; dashed lines put the selective students against the tokens that got
/// gradient (the selected-token accounting), so both headline accountings are visible side by side.
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
            loss.Add(new ChartSeries($"{a.Name}", a.Curve.Select(p => ((double)p.Tokens, p.CleanLoss)).ToList(), Color: a.Color));
            acc.Add(new ChartSeries($"{a.Name}", a.Curve.Select(p => ((double)p.Tokens, p.Accuracy)).ToList(), Color: a.Color));
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
        const int w = 820, h = 420;
        string top = new SvgLineChart { Title = "Held-out clean loss (question + solution)", XLabel = "training tokens", YLabel = "loss (nats/token)", Width = w, Height = h, LegendWidth = 230, XMin = 0 }.Render(loss);
        string bottom = new SvgLineChart { Title = "Held-out accuracy (greedy decoding, exact answer)", XLabel = "training tokens", YLabel = "accuracy", Width = w, Height = h, LegendWidth = 230, LegendBottom = true, XMin = 0, YMin = 0, YMax = 0.1 }.Render(acc);
        return SvgPanels.Stack([top, bottom], w, h);
    }
}
