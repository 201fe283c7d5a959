using System.Text.RegularExpressions;
using Sift.Core.Reporting;

namespace Sift.Core.Tests;

public sealed class SvgLineChartTests
{
    [Fact]
    public void LogX2_PlacesPowersOfTwoEvenly_AndLabelsThemWithTheirValues()
    {
        var series = new ChartSeries("acc", [(1, 10), (2, 20), (4, 30), (1024, 40)]);
        string svg = new SvgLineChart { LogX2 = true, YMin = 0 }.Render([series]);
        // x tick labels are the text elements just below the plot (y = top + plot height + 18 = 403 by default).
        var labels = Regex.Matches(svg, "<text x=\"([0-9.]+)\" y=\"403\" text-anchor=\"middle\">([^<]+)</text>").Select(m => (X: double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value)).ToList();
        Assert.Equal(["1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1024"], labels.Select(l => l.Value));
        double step = labels[1].X - labels[0].X;
        Assert.All(labels.Zip(labels.Skip(1)), p => Assert.Equal(step, p.Second.X - p.First.X, 1));
        // The line's points sit at log2 positions: 1, 2 and 4 are one tick apart.
        var points = Regex.Match(svg, "points=\"([^\"]+)\"").Groups[1].Value.Split(' ').Select(p => double.Parse(p.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(labels[0].X, points[0], 1);
        Assert.Equal(labels[2].X, points[2], 1);
        Assert.Equal(labels[^1].X, points[3], 1);
    }
}
