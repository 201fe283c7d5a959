namespace Sift.Eval.Metrics;

/// <summary>The unbiased pass@k estimator of Chen et al. (2021).</summary>
internal static class PassAtK
{
    /// <summary>
    /// Probability that at least one of k samples drawn without replacement from n (c of them correct) is correct:
    /// <c>1 - C(n-c, k) / C(n, k)</c>, computed as <c>1 - Π_{i=n-c+1..n} (1 - k/i)</c> (no huge binomials).
    /// </summary>
    public static double Estimate(int n, int c, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(c, n);
        if (n - c < k)
        {
            return 1.0;
        }
        double prod = 1.0;
        for (int i = n - c + 1; i <= n; i++)
        {
            prod *= 1.0 - (double)k / i;
        }
        return 1.0 - prod;
    }
}
