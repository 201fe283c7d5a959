using System.Globalization;
using System.Net;
using System.Text;

namespace Sift.Core.Reporting;

/// <summary>One line of a chart.</summary>
/// <param name="Name">Legend label.</param>
/// <param name="Points">(x, y) points in drawing order; non-finite points are skipped.</param>
/// <param name="Dashed">Draw dashed (e.g. for evaluation curves).</param>
/// <param name="Band">Optional shaded band around the line (e.g. mean ± std), drawn in the series colour.</param>
/// <param name="Color">CSS colour, or null for the palette colour of the series' position.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false, IReadOnlyList<(double X, double Lo, double Hi)>? Band = null, string? Color = null);

/// <summary>
/// A dependency-free SVG line chart: axes with "nice" ticks, grid, legend, title and axis labels.
/// Enough for loss curves and accuracy-vs-tokens plots that open in any browser.
/// </summary>
public sealed class SvgLineChart
{
    /// <summary>The default series colours, in order.</summary>
    public static IReadOnlyList<string> Colors => Palette;

    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    /// <summary>Chart title.</summary>
    public string Title { get; init; } = "";

    /// <summary>X axis label.</summary>
    public string XLabel { get; init; } = "";

    /// <summary>Y axis label.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Width in pixels.</summary>
    public int Width { get; init; } = 760;

    /// <summary>Height in pixels.</summary>
    public int Height { get; init; } = 440;

    /// <summary>Width of the legend box (long series names need more).</summary>
    public int LegendWidth { get; init; } = 170;

    /// <summary>Lowest x shown (null: from the data).</summary>
    public double? XMin { get; init; }

    /// <summary>Lowest y shown (null: from the data).</summary>
    public double? YMin { get; init; }

    /// <summary>Highest y shown at least (null: from the data).</summary>
    public double? YMax { get; init; }

    /// <summary>
    /// Log-scaled x axis in base 2 (x must be positive; others are dropped): ticks at powers of two, labelled with their
    /// values (1, 2, 4, …), for curves against a number of samples.
    /// </summary>
    public bool LogX2 { get; init; }

    /// <summary>Put the legend in the bottom-right corner (for rising curves) instead of the top-right.</summary>
    public bool LegendBottom { get; init; }

    /// <summary>
    /// Axes end at the data (the y axis with 3% of headroom) instead of at the next round tick, and ticks are drawn only
    /// inside: the token axis ends at the last point, a loss axis spans the curves.
    /// </summary>
    public bool Tight { get; init; }

    /// <summary>Renders the series to SVG text.</summary>
    public string Render(IReadOnlyList<ChartSeries> series)
    {
        if (LogX2)
        {
            series = series.Select(s => s with
            {
                Points = s.Points.Where(p => p.X > 0).Select(p => (Math.Log2(p.X), p.Y)).ToList(),
                Band = s.Band?.Where(b => b.X > 0).Select(b => (Math.Log2(b.X), b.Lo, b.Hi)).ToList(),
            }).ToList();
        }
        const int left = 70, right = 20, top = 40, bottom = 55;
        int pw = Width - left - right, ph = Height - top - bottom;
        var pts = series.SelectMany(s => s.Points.Concat(s.Band?.SelectMany(b => new[] { (X: b.X, Y: b.Lo), (X: b.X, Y: b.Hi) }) ?? []))
            .Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        double x0 = pts.Count > 0 ? pts.Min(p => p.X) : 0, x1 = pts.Count > 0 ? pts.Max(p => p.X) : 1;
        double y0 = pts.Count > 0 ? pts.Min(p => p.Y) : 0, y1 = pts.Count > 0 ? pts.Max(p => p.Y) : 1;
        x0 = XMin is double xm ? Math.Min(xm, x0) : x0;
        y0 = YMin is double ym ? Math.Min(ym, y0) : y0;
        y1 = YMax is double yM ? Math.Max(yM, y1) : y1;
        if (x1 - x0 < 1e-12)
        {
            x1 = x0 + 1;
        }
        if (y1 - y0 < 1e-12)
        {
            (y0, y1) = (y0 - 0.5, y1 + 0.5);
        }
        if (Tight)
        {
            double pad = (y1 - y0) * 0.03;
            y0 = YMin is double floor && floor >= y0 - pad ? Math.Min(floor, y0) : y0 - pad;
            y1 += pad;
        }
        var xt = LogX2 ? Log2Ticks(x0, x1) : NiceTicks(x0, x1, 6);
        var yt = NiceTicks(y0, y1, 6);
        if (Tight)
        {
            xt = [.. xt.Where(t => t >= x0 - 1e-9 * (x1 - x0) && t <= x1 + 1e-9 * (x1 - x0))];
            yt = [.. yt.Where(t => t >= y0 - 1e-9 * (y1 - y0) && t <= y1 + 1e-9 * (y1 - y0))];
        }
        else
        {
            (x0, x1) = (Math.Min(x0, xt[0]), Math.Max(x1, xt[^1]));
            (y0, y1) = (Math.Min(y0, yt[0]), Math.Max(y1, yt[^1]));
        }
        double X(double v) => left + (v - x0) / (x1 - x0) * pw;
        double Y(double v) => top + ph - (v - y0) / (y1 - y0) * ph;
        string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Esc(Title)}</text>\n");
        foreach (double t in xt)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(X(t))}\" y1=\"{top}\" x2=\"{N(X(t))}\" y2=\"{top + ph}\" stroke=\"#e5e5e5\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(X(t))}\" y=\"{top + ph + 18}\" text-anchor=\"middle\">{Esc(Format(LogX2 ? Math.Pow(2, t) : t))}</text>\n");
        }
        foreach (double t in yt)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{N(Y(t))}\" x2=\"{left + pw}\" y2=\"{N(Y(t))}\" stroke=\"#e5e5e5\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{N(Y(t) + 4)}\" text-anchor=\"end\">{Esc(Format(t))}</text>\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#333\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + pw / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">{Esc(XLabel)}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16 {top + ph / 2}) rotate(-90)\" text-anchor=\"middle\">{Esc(YLabel)}</text>\n");
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            string color = s.Color ?? Palette[i % Palette.Length];
            if (s.Band is { Count: > 1 } band && band.All(b => double.IsFinite(b.X) && double.IsFinite(b.Lo) && double.IsFinite(b.Hi)))
            {
                var outline = band.Select(b => $"{N(X(b.X))},{N(Y(b.Hi))}").Concat(band.Reverse().Select(b => $"{N(X(b.X))},{N(Y(b.Lo))}"));
                sb.Append(CultureInfo.InvariantCulture, $"<polygon fill=\"{color}\" fill-opacity=\"0.15\" stroke=\"none\" points=\"{string.Join(' ', outline)}\"/>\n");
            }
            var path = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).Select(p => $"{N(X(p.X))},{N(Y(p.Y))}").ToList();
            if (path.Count == 1)
            {
                var p = path[0].Split(',');
                sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{p[0]}\" cy=\"{p[1]}\" r=\"3\" fill=\"{color}\"/>\n");
            }
            else if (path.Count > 1)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"{(s.Dashed ? " stroke-dasharray=\"6 4\"" : "")} points=\"{string.Join(' ', path)}\"/>\n");
            }
            int ly = LegendBottom ? top + ph - 8 - (series.Count - 1 - i) * 18 : top + 14 + i * 18;
            int lx = left + pw - LegendWidth;
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{lx}\" y1=\"{ly - 4}\" x2=\"{lx + 25}\" y2=\"{ly - 4}\" stroke=\"{color}\" stroke-width=\"2.5\"{(s.Dashed ? " stroke-dasharray=\"6 4\"" : "")}/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{lx + 30}\" y=\"{ly}\">{Esc(s.Name)}</text>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Round tick values covering [lo, hi] (1, 2, 5 × 10^k steps).</summary>
    public static double[] NiceTicks(double lo, double hi, int target)
    {
        double span = hi - lo;
        double raw = span / Math.Max(1, target);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 5, 10 }.Select(m => m * mag).First(s => s >= raw);
        double start = Math.Floor(lo / step) * step, end = Math.Ceiling(hi / step) * step;
        var ticks = new List<double>();
        for (double t = start; t <= end + step * 1e-9; t += step)
        {
            ticks.Add(Math.Round(t / step) * step);
        }
        return [.. ticks];
    }

    // Whole exponents covering [lo, hi], every k-th so that at most 12 are labelled.
    private static double[] Log2Ticks(double lo, double hi)
    {
        int a = (int)Math.Floor(lo), b = (int)Math.Ceiling(hi);
        int step = Math.Max(1, (int)Math.Ceiling((b - a) / 11.0));
        var ticks = new List<double>();
        for (int e = a; e <= b; e += step)
        {
            ticks.Add(e);
        }
        return [.. ticks];
    }

    private static string Format(double v)
    {
        double a = Math.Abs(v);
        if (a < 1e-12)
        {
            return "0";
        }
        return a >= 1e9 ? (v / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "G"
            : a >= 1e6 ? (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M"
            : a >= 1e4 ? (v / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k"
            : v.ToString("0.###", CultureInfo.InvariantCulture);
    }

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
