using System.Globalization;

namespace Sift.Pipelines.Demo;

/// <summary>
/// One quantity measured once per seed: mean, sample standard deviation and a 95% Student-t interval for the mean
/// (NaN values, e.g. a speedup that was never reached, are left out and counted).
/// </summary>
internal sealed record SeedSpread
{
    /// <summary>The per-seed values in seed order (NaN where the quantity does not exist for that seed).</summary>
    public required IReadOnlyList<double> Values { get; init; }

    /// <summary>Builds the spread of <paramref name="values"/>.</summary>
    public static SeedSpread Of(IEnumerable<double> values) => new() { Values = values.ToList() };

    private IEnumerable<double> Finite => Values.Where(double.IsFinite);

    /// <summary>Seeds with a finite value.</summary>
    public int N => Finite.Count();

    /// <summary>Seeds without one (e.g. SLM never reached CLM's loss).</summary>
    public int Missing => Values.Count - N;

    /// <summary>Mean over the finite values (NaN when none).</summary>
    public double Mean => N > 0 ? Finite.Average() : double.NaN;

    /// <summary>Sample standard deviation (n − 1; NaN with fewer than two values).</summary>
    public double Sd
    {
        get
        {
            if (N < 2)
            {
                return double.NaN;
            }
            double m = Mean;
            return Math.Sqrt(Finite.Sum(v => (v - m) * (v - m)) / (N - 1));
        }
    }

    /// <summary>Half-width of the 95% interval for the mean: t(0.975, n − 1) · sd / √n.</summary>
    public double HalfWidth => N >= 2 ? StudentT.Quantile975(N - 1) * Sd / Math.Sqrt(N) : double.NaN;

    /// <summary>Lower end of the 95% interval.</summary>
    public double Low => Mean - HalfWidth;

    /// <summary>Upper end of the 95% interval.</summary>
    public double High => Mean + HalfWidth;

    /// <summary>Smallest value.</summary>
    public double Min => N > 0 ? Finite.Min() : double.NaN;

    /// <summary>Largest value.</summary>
    public double Max => N > 0 ? Finite.Max() : double.NaN;

    /// <summary>True when the 95% interval lies wholly on one side of <paramref name="x"/> (needs two or more values).</summary>
    public bool Excludes(double x) => N >= 2 && double.IsFinite(HalfWidth) && (Low > x || High < x);

    /// <summary>"1.234 ± 0.010" (mean ± sd) in <paramref name="format"/>.</summary>
    public string MeanSd(string format = "0.000") =>
        N == 0 ? "–" : N == 1 ? Mean.ToString(format, CultureInfo.InvariantCulture)
        : $"{Mean.ToString(format, CultureInfo.InvariantCulture)} ± {Sd.ToString(format, CultureInfo.InvariantCulture)}";

    /// <summary>"[1.21, 1.26]": the 95% interval, or "–".</summary>
    public string Interval(string format = "0.000") =>
        N >= 2 ? $"[{Low.ToString(format, CultureInfo.InvariantCulture)}, {High.ToString(format, CultureInfo.InvariantCulture)}]" : "–";
}

/// <summary>Two-sided 95% quantiles of Student's t distribution (t(0.975, df)), for confidence intervals over seeds.</summary>
internal static class StudentT
{
    // df = 1 .. 30 (standard tables, 3 decimals).
    private static readonly double[] Table =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>t(0.975, <paramref name="df"/>); above 30 degrees of freedom a Cornish–Fisher expansion around 1.960.</summary>
    public static double Quantile975(int df)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(df, 1);
        if (df <= Table.Length)
        {
            return Table[df - 1];
        }
        const double z = 1.959964;
        double z3 = z * z * z, z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }
}
