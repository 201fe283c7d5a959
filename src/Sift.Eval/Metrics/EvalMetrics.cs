namespace Sift.Eval.Metrics;

/// <summary>An accuracy in percent with its 95% interval.</summary>
/// <param name="Percent">Value, 0–100.</param>
/// <param name="Lo">Lower end of the 95% interval, percent.</param>
/// <param name="Hi">Upper end, percent.</param>
/// <param name="N">Problems it is over.</param>
internal sealed record Rate(double Percent, double Lo, double Hi, int N)
{
    /// <summary>A proportion with its Wilson interval.</summary>
    public static Rate Of(int successes, int n)
    {
        var (lo, hi) = Intervals.Wilson(successes, n);
        return new Rate(n == 0 ? 0 : 100.0 * successes / n, 100 * lo, 100 * hi, n);
    }
}

/// <summary>Accuracy of one subject or level.</summary>
internal sealed record GroupMetrics(string Key, Rate Accuracy, Rate? Majority);

/// <summary>The numbers of one evaluation in one grading mode.</summary>
internal sealed record MetricsSummary
{
    /// <summary>Problems graded.</summary>
    public required int Problems { get; init; }

    /// <summary>Completions graded.</summary>
    public required int Completions { get; init; }

    /// <summary>Samples per problem (the smallest count when they differ).</summary>
    public required int SamplesPerProblem { get; init; }

    /// <summary>Accuracy of each problem's first sample (the harness's <c>acc</c>).</summary>
    public required Rate Accuracy { get; init; }

    /// <summary>maj@k over the first k samples, for k = 2, 4, ..., n.</summary>
    public required IReadOnlyDictionary<int, Rate> MajorityAt { get; init; }

    /// <summary>Unbiased pass@k (mean over problems; the interval is a bootstrap over problems), k = 1, 2, 4, ..., n.</summary>
    public required IReadOnlyDictionary<int, Rate> PassAt { get; init; }

    /// <summary>Best-of-k by per-sample score over the first k samples, when every sample has a score.</summary>
    public required IReadOnlyDictionary<int, Rate> BestOfAt { get; init; }

    /// <summary>Completions from which no answer could be extracted.</summary>
    public required int NoAnswer { get; init; }

    /// <summary>Comparisons that ran out of their time budget (scored wrong).</summary>
    public required int Timeouts { get; init; }

    /// <summary>First-sample accuracy (and maj@n) per subject, sorted by name.</summary>
    public required IReadOnlyList<GroupMetrics> BySubject { get; init; }

    /// <summary>First-sample accuracy (and maj@n) per level.</summary>
    public required IReadOnlyList<GroupMetrics> ByLevel { get; init; }
}

/// <summary>Computes <see cref="MetricsSummary"/> from graded problems.</summary>
internal static class EvalMetrics
{
    /// <summary>k values reported: 1, 2, 4, ... up to n, and n itself.</summary>
    public static IReadOnlyList<int> Ks(int n)
    {
        var ks = new List<int>();
        for (int k = 1; k <= n; k *= 2)
        {
            ks.Add(k);
        }
        if (n > 0 && ks[^1] != n)
        {
            ks.Add(n);
        }
        return ks;
    }

    /// <summary>All metrics over <paramref name="problems"/> (each with at least one sample).</summary>
    public static MetricsSummary Compute(IReadOnlyList<ProblemOutcome> problems)
    {
        var withSamples = problems.Where(p => p.Samples.Count > 0).ToList();
        int n = withSamples.Count == 0 ? 0 : withSamples.Min(p => p.Samples.Count);
        var ks = Ks(n);
        var maj = new Dictionary<int, Rate>();
        var pass = new Dictionary<int, Rate>();
        var bon = new Dictionary<int, Rate>();
        bool scored = withSamples.Count > 0 && withSamples.All(p => p.Samples.All(s => s.Score is not null));
        foreach (int k in ks)
        {
            var passValues = withSamples.Select(p => PassAtK.Estimate(p.Samples.Count, p.Samples.Count(s => s.Correct), k)).ToList();
            var (plo, phi) = k == 1 ? Wilson(passValues) : Intervals.BootstrapMean(passValues, seed: (ulong)k);
            pass[k] = new Rate(Mean(passValues) * 100, plo * 100, phi * 100, passValues.Count);
            if (k > 1)
            {
                maj[k] = Rate.Of(withSamples.Count(p => MajorityCorrect(p, k)), withSamples.Count);
            }
            if (scored)
            {
                bon[k] = Rate.Of(withSamples.Count(p => BestCorrect(p, k)), withSamples.Count);
            }
        }
        return new MetricsSummary
        {
            Problems = withSamples.Count,
            Completions = withSamples.Sum(p => p.Samples.Count),
            SamplesPerProblem = n,
            Accuracy = Rate.Of(withSamples.Count(p => p.Samples[0].Correct), withSamples.Count),
            MajorityAt = maj,
            PassAt = pass,
            BestOfAt = bon,
            NoAnswer = withSamples.Sum(p => p.Samples.Count(s => s.Answer.Length == 0)),
            Timeouts = withSamples.Sum(p => p.Samples.Count(s => s.TimedOut)),
            BySubject = Groups(withSamples, p => p.Subject, n),
            ByLevel = Groups(withSamples, p => p.Level, n),
        };
    }

    /// <summary>Whether the majority answer among the first k samples is correct.</summary>
    public static bool MajorityCorrect(ProblemOutcome p, int k)
    {
        int[] idx = Enumerable.Range(0, Math.Min(k, p.Samples.Count)).ToArray();
        int pick = Selection.Majority(p.VoteClass, idx);
        return pick >= 0 && p.Samples[pick].Correct;
    }

    /// <summary>Whether the best-scored of the first k samples is correct.</summary>
    public static bool BestCorrect(ProblemOutcome p, int k)
    {
        int[] idx = Enumerable.Range(0, Math.Min(k, p.Samples.Count)).ToArray();
        int pick = Selection.BestByScore(p.Samples, idx);
        return pick >= 0 && p.Samples[pick].Correct;
    }

    private static IReadOnlyList<GroupMetrics> Groups(List<ProblemOutcome> problems, Func<ProblemOutcome, string?> key, int n)
    {
        return problems.Where(p => key(p) is not null).GroupBy(p => key(p)!)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new GroupMetrics(g.Key, Rate.Of(g.Count(p => p.Samples[0].Correct), g.Count()),
                n > 1 ? Rate.Of(g.Count(p => MajorityCorrect(p, n)), g.Count()) : null))
            .ToList();
    }

    private static (double, double) Wilson(List<double> zeroOne) => Intervals.Wilson((int)Math.Round(zeroOne.Sum()), zeroOne.Count);

    private static double Mean(List<double> v) => v.Count == 0 ? 0 : v.Average();
}
