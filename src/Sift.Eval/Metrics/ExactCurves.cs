namespace Sift.Eval.Metrics;

/// <summary>
/// Exact expectations over all N-subsets of a pool, where a closed form exists: what the random-subset curves of
/// <see cref="ScalingCurves"/> converge to. pass@N is the unbiased estimator; best-of-N ranks the pool by score (ties
/// to the lower index, as <see cref="Selection"/> does): the sample of rank r is picked exactly when it is in the
/// subset and no better-ranked one is, with probability C(m-1-r, N-1) / C(m, N). Majority votes have no closed form
/// (they are checked against brute force over every subset in the tests).
/// </summary>
internal static class ExactCurves
{
    /// <summary>Mean over problems of the exact pass@N, percent.</summary>
    public static double Pass(IReadOnlyList<ProblemOutcome> problems, int n) =>
        100 * problems.Average(p => PassAtK.Estimate(p.Samples.Count, p.Samples.Count(s => s.Correct), n));

    /// <summary>Mean over problems of the exact best-of-N accuracy, percent; null unless every sample has a score.</summary>
    public static double? BestOfN(IReadOnlyList<ProblemOutcome> problems, int n) =>
        problems.All(p => p.Samples.All(s => s.Score is not null)) ? 100 * problems.Average(p => BestOfN(p, n)) : null;

    /// <summary>Probability that the best-scored of a uniform random N-subset of the problem's samples is correct.</summary>
    public static double BestOfN(ProblemOutcome p, int n)
    {
        int m = p.Samples.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, m);
        var order = Enumerable.Range(0, m).OrderByDescending(i => p.Samples[i].Score!.Value).ThenBy(i => i).ToArray();
        // q_r = C(m-1-r, n-1) / C(m, n): q_0 = n/m, q_{r+1} = q_r (m-n-r) / (m-1-r); zero once fewer than n-1 samples rank below.
        double q = (double)n / m, sum = 0;
        for (int r = 0; r < m && q > 0; r++)
        {
            if (p.Samples[order[r]].Correct)
            {
                sum += q;
            }
            q = r + 1 < m ? q * (m - n - r) / (m - 1 - r) : 0;
        }
        return sum;
    }
}
