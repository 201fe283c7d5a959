using Sift.Core.Random;

namespace Sift.Eval.Metrics;

/// <summary>What a curve measures at each N.</summary>
internal enum Selector
{
    /// <summary>Majority vote over the N samples (maj@N).</summary>
    Majority,

    /// <summary>The highest-scored of the N samples (best-of-N, rm@N).</summary>
    BestOfN,

    /// <summary>Reward-weighted majority vote: the answer with the largest Σ score.</summary>
    Weighted,

    /// <summary>Whether any of the N samples is correct (pass@N, the oracle).</summary>
    Pass,
}

/// <summary>Mean and standard deviation of an accuracy (percent) over random trials.</summary>
internal sealed record CurvePoint(int N, double Mean, double Std);

/// <summary>Accuracy against the number of samples N, for one selector.</summary>
internal sealed record ScalingCurve(Selector Selector, IReadOnlyList<CurvePoint> Points)
{
    /// <summary>Legend name.</summary>
    public string Name => Selector switch
    {
        Selector.Majority => "maj@N",
        Selector.BestOfN => "best-of-N",
        Selector.Weighted => "weighted maj@N",
        _ => "pass@N (any correct)",
    };
}

/// <summary>
/// PRM800K-style curves (<c>prm800k/eval/eval.py</c>): for each N, every trial draws a uniform random N-subset of each
/// problem's pool and selects one sample (majority vote, best score, reward-weighted vote) or asks whether any is
/// correct (pass@N); the accuracy over problems is averaged over trials (mean ± population std over trials).
/// Unlike PRM800K, pools are not padded: every sample in the pool counts, and each problem draws from all of its own
/// samples (N goes up to the smallest pool). Picks depend only on the subset (<see cref="Selection"/>: ties to the
/// lowest sample index), so at N = pool every trial equals the file-order metrics (maj@n, rm@n, pass@n).
/// </summary>
internal static class ScalingCurves
{
    /// <summary>
    /// Curves for N = 1, 2, 4, ..., pool size (<see cref="EvalMetrics.Ks"/>); <paramref name="trials"/> random subsets
    /// per N and problem. Best-of-N and weighted curves need a score on every sample. Deterministic for a seed (each
    /// problem has its own random stream, and per-trial hit counts are integers, so thread scheduling cannot change
    /// a result).
    /// </summary>
    public static IReadOnlyList<ScalingCurve> Compute(IReadOnlyList<ProblemOutcome> problems, int trials = 400, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        var pools = problems.Where(p => p.Samples.Count > 0).Select(Pool.Of).ToList();
        if (pools.Count == 0)
        {
            return [];
        }
        bool scored = pools.All(p => p.Scores.Length > 0);
        var ns = EvalMetrics.Ks(pools.Min(p => p.Size)).ToArray();
        var kinds = scored ? new[] { Selector.Majority, Selector.BestOfN, Selector.Weighted, Selector.Pass } : [Selector.Majority, Selector.Pass];
        // hits[(Slot(kind) * ns.Length + ni) * trials + t] = problems the selector got right in trial t at N = ns[ni].
        var hits = new long[4 * ns.Length * trials];
        var gate = new object();
        Parallel.For(0, pools.Count, () => new int[hits.Length], (i, _, local) =>
        {
            Draw(pools[i], ns, trials, new Rng(unchecked(seed + (ulong)i * 0x9E3779B97F4A7C15UL)), local, ns.Length * trials);
            return local;
        }, local =>
        {
            lock (gate)
            {
                for (int k = 0; k < hits.Length; k++)
                {
                    hits[k] += local[k];
                }
            }
        });
        var curves = new List<ScalingCurve>();
        for (int k = 0; k < kinds.Length; k++)
        {
            var points = new List<CurvePoint>();
            for (int ni = 0; ni < ns.Length; ni++)
            {
                var acc = new double[trials];
                for (int t = 0; t < trials; t++)
                {
                    acc[t] = 100.0 * hits[(Slot(kinds[k]) * ns.Length + ni) * trials + t] / pools.Count;
                }
                double mean = acc.Average();
                points.Add(new CurvePoint(ns[ni], mean, Math.Sqrt(acc.Sum(v => (v - mean) * (v - mean)) / trials)));
            }
            curves.Add(new ScalingCurve(kinds[k], points));
        }
        return curves;
    }

    // Position of each selector's block in the hit arrays (fixed, so unscored runs simply leave two blocks unused).
    private static int Slot(Selector s) => s switch
    {
        Selector.Majority => 0,
        Selector.Pass => 1,
        Selector.BestOfN => 2,
        _ => 3,
    };

    /// <summary>One problem's trials at every N, added into <paramref name="hits"/> (blocks of <paramref name="block"/> per selector).</summary>
    private static void Draw(Pool p, int[] ns, int trials, Rng rng, int[] hits, int block)
    {
        int m = p.Size;
        var perm = new int[m];
        for (int i = 0; i < m; i++)
        {
            perm[i] = i;
        }
        var tally = new VoteTally(p.Classes);
        for (int ni = 0; ni < ns.Length; ni++)
        {
            int n = ns[ni];
            for (int t = 0; t < trials; t++)
            {
                ReadOnlySpan<int> chosen;
                if (n == m)
                {
                    chosen = perm;
                }
                else
                {
                    // Partial Fisher–Yates over the smaller side: the first k slots become a uniform random k-subset,
                    // whatever order perm was left in (so it is never reset). For n > m/2 the drawn k = m - n slots are
                    // the samples left out.
                    int k = Math.Min(n, m - n);
                    for (int i = 0; i < k; i++)
                    {
                        int j = i + (int)rng.NextBelow((ulong)(m - i));
                        (perm[i], perm[j]) = (perm[j], perm[i]);
                    }
                    chosen = n <= m - n ? perm.AsSpan(0, n) : perm.AsSpan(m - n, n);
                }
                var (maj, bon, wtd, any) = p.Select(chosen, tally);
                int at = ni * trials + t;
                hits[at] += maj ? 1 : 0;
                hits[block + at] += any ? 1 : 0;
                hits[2 * block + at] += bon ? 1 : 0;
                hits[3 * block + at] += wtd ? 1 : 0;
                if (n == m)
                {
                    // The whole pool: every trial is the same set.
                    for (int u = t + 1; u < trials; u++)
                    {
                        int au = ni * trials + u;
                        hits[au] += maj ? 1 : 0;
                        hits[block + au] += any ? 1 : 0;
                        hits[2 * block + au] += bon ? 1 : 0;
                        hits[3 * block + au] += wtd ? 1 : 0;
                    }
                    break;
                }
            }
        }
    }

    /// <summary>A problem's samples as flat arrays (what a trial touches).</summary>
    internal sealed class Pool
    {
        public required int[] Class { get; init; }

        public required bool[] Correct { get; init; }

        /// <summary>Per-sample scores, or empty when any sample lacks one.</summary>
        public required double[] Scores { get; init; }

        public required int Classes { get; init; }

        public int Size => Class.Length;

        public static Pool Of(ProblemOutcome p)
        {
            int[] cls = Selection.AsArray(p.VoteClass);
            return new Pool
            {
                Class = cls,
                Correct = p.Samples.Select(s => s.Correct).ToArray(),
                Scores = p.Samples.All(s => s.Score is not null) ? p.Samples.Select(s => s.Score!.Value).ToArray() : [],
                Classes = Selection.ClassCount(cls),
            };
        }

        /// <summary>Whether each selector's pick from <paramref name="chosen"/> is correct.</summary>
        public (bool Majority, bool BestOfN, bool Weighted, bool Any) Select(ReadOnlySpan<int> chosen, VoteTally tally)
        {
            var p = tally.Pick(chosen, Class, Scores, Correct);
            return (p.Majority >= 0 && Correct[p.Majority], p.Best >= 0 && Correct[p.Best], p.Weighted >= 0 && Correct[p.Weighted], p.AnyCorrect);
        }
    }
}
