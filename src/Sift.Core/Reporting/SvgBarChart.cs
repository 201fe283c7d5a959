using System.Globalization;
using System.Net;
using System.Text;

namespace Sift.Core.Reporting;

/// <summary>One coloured series of a grouped bar chart: a value per group (NaN = no bar).</summary>
public sealed record BarSeries(string Name, IReadOnlyList<double> Values);

/// <summary>
/// A dependency-free grouped bar chart in SVG: one cluster per group (x axis), one bar per series, a y axis
/// with "nice" ticks from zero, a legend and optional value labels. For shares by provenance label and
/// Rho-1's token categories, where a line chart would suggest an order that is not there.
/// </summary>
public sealed class SvgBarChart
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    /// <summary>Chart title.</summary>
    public string Title { get; init; } = "";

    /// <summary>Y axis label.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Width in pixels (0 = sized to the number of bars).</summary>
    public int Width { get; init; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; init; } = 420;

    /// <summary>Print each bar's value above it.</summary>
    public bool ValueLabels { get; init; } = true;

    /// <summary>Format of value labels and ticks (e.g. "0.00" or "0%").</summary>
    public string Format { get; init; } = "0.##";

    /// <summary>Renders <paramref name="series"/> over <paramref name="groups"/>.</summary>
    public string Render(IReadOnlyList<string> groups, IReadOnlyList<BarSeries> series)
    {
        foreach (var s in series)
        {
            if (s.Values.Count != groups.Count)
            {
                throw new ArgumentException($"series '{s.Name}' has {s.Values.Count} values for {groups.Count} groups");
            }
        }
        const int left = 70, right = 20, top = 40, bottom = 80;
        int bars = Math.Max(1, series.Count);
        double barW = 16, gap = 18;
        double groupW = bars * barW + gap;
        int width = Width > 0 ? Width : (int)Math.Max(420, left + right + groups.Count * groupW + 170);
        double pw = width - left - right - 160, ph = Height - top - bottom;
        groupW = pw / Math.Max(1, groups.Count);
        barW = Math.Min(28, (groupW - gap) / bars);
        var values = series.SelectMany(s => s.Values).Where(double.IsFinite).ToList();
        double hi = values.Count > 0 ? Math.Max(values.Max(), 0) : 1, lo = values.Count > 0 ? Math.Min(values.Min(), 0) : 0;
        if (hi - lo < 1e-12)
        {
            hi = lo + 1;
        }
        var ticks = SvgLineChart.NiceTicks(lo, hi, 5);
        (lo, hi) = (Math.Min(lo, ticks[0]), Math.Max(hi, ticks[^1]));
        double Y(double v) => top + ph - (v - lo) / (hi - lo) * ph;
        string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        string F(double v) => v.ToString(Format, CultureInfo.InvariantCulture);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{Height}\" viewBox=\"0 0 {width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{Height}\" fill=\"white\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Esc(Title)}</text>\n");
        foreach (double t in ticks)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{N(Y(t))}\" x2=\"{N(left + pw)}\" y2=\"{N(Y(t))}\" stroke=\"#e5e5e5\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{N(Y(t) + 4)}\" text-anchor=\"end\">{Esc(F(t))}</text>\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{N(Y(0))}\" x2=\"{N(left + pw)}\" y2=\"{N(Y(0))}\" stroke=\"#333\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16 {top + ph / 2}) rotate(-90)\" text-anchor=\"middle\">{Esc(YLabel)}</text>\n");
        for (int g = 0; g < groups.Count; g++)
        {
            double gx = left + g * groupW + (groupW - bars * barW) / 2;
            for (int s = 0; s < series.Count; s++)
            {
                double v = series[s].Values[g];
                if (!double.IsFinite(v))
                {
                    continue;
                }
                double x = gx + s * barW, y0 = Y(Math.Max(v, 0)), y1 = Y(Math.Min(v, 0));
                sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(x)}\" y=\"{N(y0)}\" width=\"{N(barW - 1)}\" height=\"{N(Math.Max(0.5, y1 - y0))}\" fill=\"{Palette[s % Palette.Length]}\"><title>{Esc(series[s].Name)} / {Esc(groups[g])}: {Esc(F(v))}</title></rect>");
                if (ValueLabels)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x + barW / 2)}\" y=\"{N(y0 - 3)}\" text-anchor=\"middle\" font-size=\"9\">{Esc(F(v))}</text>");
                }
                sb.Append('\n');
            }
            double cx = left + (g + 0.5) * groupW;
            sb.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate({N(cx)} {top + ph + 14}) rotate(30)\" text-anchor=\"start\">{Esc(groups[g])}</text>\n");
        }
        for (int s = 0; s < series.Count; s++)
        {
            int ly = top + 14 + s * 18;
            double lx = left + pw + 20;
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(lx)}\" y=\"{ly - 10}\" width=\"14\" height=\"12\" fill=\"{Palette[s % Palette.Length]}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(lx + 20)}\" y=\"{ly}\">{Esc(series[s].Name)}</text>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
