using Sift.Core.Random;

namespace Sift.Eval.Metrics;

/// <summary>Mean and standard deviation of an accuracy (percent) over random trials.</summary>
internal sealed record CurvePoint(int N, double Mean, double Std);

/// <summary>Accuracy against the number of samples N, for each selector.</summary>
internal sealed record ScalingCurve(string Name, IReadOnlyList<CurvePoint> Points);

/// <summary>
/// PRM800K-style curves (<c>prm800k/eval/eval.py</c>): for each N, every trial shuffles each problem's pool of
/// samples, keeps the first N, and selects one (majority vote, best score) or asks whether any is correct
/// (pass@N, the oracle); accuracy over problems is averaged over trials (mean ± population std).
/// Unlike PRM800K, pools are not padded: every sample in the pool counts.
/// </summary>
internal static class ScalingCurves
{
    /// <summary>Curves for N = 1, 2, 4, ..., pool size; <paramref name="trials"/> random subsets per N.</summary>
    public static IReadOnlyList<ScalingCurve> Compute(IReadOnlyList<ProblemOutcome> problems, int trials = 400, ulong seed = 0)
    {
        var ps = problems.Where(p => p.Samples.Count > 0).ToList();
        if (ps.Count == 0)
        {
            return [];
        }
        int pool = ps.Min(p => p.Samples.Count);
        bool scored = ps.All(p => p.Samples.All(s => s.Score is not null));
        var ns = EvalMetrics.Ks(pool);
        var names = new List<string> { "maj@N", "pass@N (any correct)" };
        if (scored)
        {
            names.Insert(1, "best-of-N");
        }
        var sums = names.ToDictionary(n => n, _ => new List<CurvePoint>());
        var rng = new Rng(seed);
        var perm = new int[pool];
        foreach (int n in ns)
        {
            var acc = names.ToDictionary(k => k, _ => new double[trials]);
            for (int t = 0; t < trials; t++)
            {
                int maj = 0, bon = 0, any = 0;
                foreach (var p in ps)
                {
                    for (int i = 0; i < pool; i++)
                    {
                        perm[i] = i;
                    }
                    // Partial Fisher–Yates: the first n entries are a uniform random n-subset in random order.
                    for (int i = 0; i < n; i++)
                    {
                        int j = i + rng.NextInt(pool - i);
                        (perm[i], perm[j]) = (perm[j], perm[i]);
                    }
                    var chosen = perm.AsSpan(0, n);
                    int m = Selection.Majority(p.VoteClass, chosen);
                    maj += m >= 0 && p.Samples[m].Correct ? 1 : 0;
                    if (scored)
                    {
                        int b = Selection.BestByScore(p.Samples, chosen);
                        bon += b >= 0 && p.Samples[b].Correct ? 1 : 0;
                    }
                    bool hit = false;
                    foreach (int s in chosen)
                    {
                        hit |= p.Samples[s].Correct;
                    }
                    any += hit ? 1 : 0;
                }
                acc["maj@N"][t] = 100.0 * maj / ps.Count;
                acc["pass@N (any correct)"][t] = 100.0 * any / ps.Count;
                if (scored)
                {
                    acc["best-of-N"][t] = 100.0 * bon / ps.Count;
                }
            }
            foreach (var (name, values) in acc)
            {
                double mean = values.Average();
                double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
                sums[name].Add(new CurvePoint(n, mean, std));
            }
        }
        return names.Select(n => new ScalingCurve(n, sums[n])).ToList();
    }
}
