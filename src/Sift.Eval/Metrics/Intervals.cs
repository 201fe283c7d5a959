using Sift.Core.Random;

namespace Sift.Eval.Metrics;

/// <summary>95% confidence intervals for accuracies.</summary>
internal static class Intervals
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>
    /// Wilson score interval for a proportion (successes of n): well-behaved near 0 and 1 and for small n, unlike
    /// the normal approximation. Returns fractions in [0, 1].
    /// </summary>
    public static (double Lo, double Hi) Wilson(int successes, int n, double z = Z95)
    {
        if (n == 0)
        {
            return (0, 1);
        }
        double p = (double)successes / n, z2 = z * z;
        double denom = 1 + z2 / n;
        double centre = (p + z2 / (2 * n)) / denom;
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>
    /// Percentile bootstrap interval of a mean (for per-problem values in [0, 1] such as pass@k): problems are
    /// resampled with replacement <paramref name="resamples"/> times with a fixed seed, so the interval is reproducible.
    /// </summary>
    public static (double Lo, double Hi) BootstrapMean(IReadOnlyList<double> values, int resamples = 1000, ulong seed = 0)
    {
        if (values.Count == 0)
        {
            return (0, 1);
        }
        var rng = new Rng(seed);
        var means = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (int i = 0; i < values.Count; i++)
            {
                sum += values[rng.NextInt(values.Count)];
            }
            means[r] = sum / values.Count;
        }
        Array.Sort(means);
        return (Quantile(means, 0.025), Quantile(means, 0.975));
    }

    private static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
