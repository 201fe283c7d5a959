using FsCheck;
using FsCheck.Fluent;
using Sift.Eval.Metrics;

namespace Sift.Eval.Tests;

/// <summary>
/// Best-of-N and voting curves against brute force over every N-subset of small pools: the exact expectation the
/// random-subset curves estimate. Closed forms (pass@N, best-of-N) must equal it to rounding; the sampler's mean
/// must sit within a few standard errors of it, with fixed seeds (so the test is deterministic).
/// </summary>
public sealed class BonCurveTests
{
    /// <summary>Random small problems with many ties: few answer classes, no-answer samples, scores on a coarse grid.</summary>
    private static List<ProblemOutcome> RandomProblems(int seed, int count, int pool)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(p =>
        {
            int kinds = 1 + rng.Next(4);
            var samples = Enumerable.Range(0, pool).Select(_ =>
            {
                int a = rng.Next(kinds + 1) - 1; // -1: no answer
                string answer = a < 0 ? "" : a.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // Scores on a 1/8 grid are exact in binary, so sums tie exactly where they should.
                return new SampleOutcome(answer, a == 0, rng.Next(0, 9) / 8.0);
            }).ToList();
            return ProblemOutcome.Create(p, null, null, samples, new EquivalenceVote(string.Equals));
        }).ToList();
    }

    private static IEnumerable<int[]> Subsets(int m, int n)
    {
        var idx = Enumerable.Range(0, n).ToArray();
        while (true)
        {
            yield return (int[])idx.Clone();
            int i = n - 1;
            while (i >= 0 && idx[i] == m - n + i)
            {
                i--;
            }
            if (i < 0)
            {
                yield break;
            }
            idx[i]++;
            for (int j = i + 1; j < n; j++)
            {
                idx[j] = idx[j - 1] + 1;
            }
        }
    }

    /// <summary>Exact expected accuracy (percent) of each selector over all N-subsets, using the public pickers.</summary>
    private static Dictionary<Selector, double> BruteForce(IReadOnlyList<ProblemOutcome> problems, int n)
    {
        var sums = new Dictionary<Selector, double> { [Selector.Majority] = 0, [Selector.BestOfN] = 0, [Selector.Weighted] = 0, [Selector.Pass] = 0 };
        foreach (var p in problems)
        {
            var scores = p.Samples.Select(s => s.Score!.Value).ToArray();
            int subsets = 0;
            var hits = new Dictionary<Selector, int> { [Selector.Majority] = 0, [Selector.BestOfN] = 0, [Selector.Weighted] = 0, [Selector.Pass] = 0 };
            foreach (var sub in Subsets(p.Samples.Count, n))
            {
                subsets++;
                hits[Selector.Majority] += p.Samples[Selection.Majority(p.VoteClass, sub)].Correct ? 1 : 0;
                hits[Selector.BestOfN] += p.Samples[Selection.BestByScore(p.Samples, sub)].Correct ? 1 : 0;
                hits[Selector.Weighted] += p.Samples[Selection.WeightedMajority(p.VoteClass, scores, sub)].Correct ? 1 : 0;
                hits[Selector.Pass] += sub.Any(s => p.Samples[s].Correct) ? 1 : 0;
            }
            foreach (var k in hits.Keys)
            {
                sums[k] += (double)hits[k] / subsets;
            }
        }
        return sums.ToDictionary(kv => kv.Key, kv => 100 * kv.Value / problems.Count);
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 8)]
    [InlineData(3, 5)]
    public void ClosedForms_EqualBruteForceOverAllSubsets(int seed, int pool)
    {
        var ps = RandomProblems(seed, 12, pool);
        for (int n = 1; n <= pool; n++)
        {
            var exact = BruteForce(ps, n);
            Assert.Equal(exact[Selector.Pass], ExactCurves.Pass(ps, n), 9);
            Assert.Equal(exact[Selector.BestOfN], ExactCurves.BestOfN(ps, n)!.Value, 9);
        }
    }

    [Theory]
    [InlineData(11, 8)]
    [InlineData(12, 6)]
    public void SampledCurves_ConvergeToTheExactExpectation(int seed, int pool)
    {
        var ps = RandomProblems(seed, 10, pool);
        var exact = EvalMetrics.Ks(pool).ToDictionary(n => n, n => BruteForce(ps, n));
        foreach (int trials in new[] { 200, 4000 })
        {
            var curves = ScalingCurves.Compute(ps, trials, seed: (ulong)seed);
            Assert.Equal([Selector.Majority, Selector.BestOfN, Selector.Weighted, Selector.Pass], curves.Select(c => c.Selector));
            foreach (var c in curves)
            {
                foreach (var pt in c.Points)
                {
                    double e = exact[pt.N][c.Selector];
                    if (pt.N == pool)
                    {
                        // The whole pool: every trial is the same set, the file-order pick.
                        Assert.Equal(e, pt.Mean, 9);
                        Assert.Equal(0, pt.Std, 9);
                        continue;
                    }
                    // Trials are independent: the mean's standard error is std/√trials; 4.5 of them is a loose, fixed-seed bound.
                    double se = pt.Std / Math.Sqrt(trials);
                    Assert.True(Math.Abs(pt.Mean - e) <= 4.5 * se + 1e-9,
                        $"{c.Name} N={pt.N} trials={trials}: mean {pt.Mean:0.000} vs exact {e:0.000} (se {se:0.000})");
                }
            }
        }
    }

    [Fact]
    public void Curves_AreDeterministicForASeed_AndIndependentOfProblemOrderInDistribution()
    {
        var ps = RandomProblems(5, 30, 16);
        var a = ScalingCurves.Compute(ps, 50, seed: 9);
        var b = ScalingCurves.Compute(ps, 50, seed: 9);
        Assert.Equal(a.SelectMany(c => c.Points), b.SelectMany(c => c.Points));
        var other = ScalingCurves.Compute(ps, 50, seed: 10);
        Assert.NotEqual(a.SelectMany(c => c.Points.Where(p => p.N < 16)), other.SelectMany(c => c.Points.Where(p => p.N < 16)));
    }

    [Fact]
    public void Ties_GoToTheLowestSampleIndex_WhateverTheOrderOfTheSubset()
    {
        // Classes: sample 0,3 → A; 1,2 → B; 4 → no answer.
        int[] cls = [0, 1, 1, 0, -1];
        // Majority tie (2 vs 2): class A's first sample (0) is lower than B's (1).
        Assert.Equal(0, Selection.Majority(cls, [3, 2, 1, 0, 4]));
        Assert.Equal(0, Selection.Majority(cls, [0, 1, 2, 3]));
        Assert.Equal(1, Selection.Majority(cls, [1, 2, 3]));
        // Only the no-answer sample: it is returned (and is wrong), as the lowest chosen index.
        Assert.Equal(4, Selection.Majority(cls, [4]));
        // Weighted: A = 0.25 + 0.5, B = 0.5 + 0.25: equal sums go to A (first sample 0); a higher sum wins outright.
        double[] w = [0.25, 0.5, 0.25, 0.5, 9];
        Assert.Equal(0, Selection.WeightedMajority(cls, w, [2, 3, 1, 0]));
        Assert.Equal(1, Selection.WeightedMajority(cls, [0.25, 0.5, 0.5, 0.5, 9], [3, 2, 1, 0]));
        // The no-answer sample's score does not vote.
        Assert.Equal(1, Selection.WeightedMajority(cls, w, [4, 1]));
        // Best-of-N: equal top scores go to the lower index.
        var samples = new[] { new SampleOutcome("a", false, 0.9), new SampleOutcome("b", true, 0.9), new SampleOutcome("c", false, 0.1) };
        Assert.Equal(0, Selection.BestByScore(samples, [2, 1, 0]));
        Assert.Equal(1, Selection.BestByScore(samples, [2, 1]));
    }

    [Fact]
    public void Picks_DoNotDependOnTheOrderOfTheSubset() =>
        Prop.ForAll(Gen.Choose(0, 100000).ToArbitrary(), seed =>
        {
            var p = RandomProblems(seed, 1, 9)[0];
            var rng = new Random(seed);
            var sub = Enumerable.Range(0, 9).Where(_ => rng.Next(2) == 0).ToArray();
            if (sub.Length == 0)
            {
                return true;
            }
            var shuffled = sub.OrderBy(_ => rng.Next()).ToArray();
            var scores = p.Samples.Select(s => s.Score!.Value).ToArray();
            return Selection.Majority(p.VoteClass, sub) == Selection.Majority(p.VoteClass, shuffled)
                && Selection.WeightedMajority(p.VoteClass, scores, sub) == Selection.WeightedMajority(p.VoteClass, scores, shuffled)
                && Selection.BestByScore(p.Samples, sub) == Selection.BestByScore(p.Samples, shuffled);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Unscored_Curves_HaveNoBestOfNOrWeighted()
    {
        var ps = RandomProblems(4, 5, 4).Select(p => p with { Samples = p.Samples.Select(s => s with { Score = null }).ToList() }).ToList();
        var curves = ScalingCurves.Compute(ps, 10, seed: 1);
        Assert.Equal([Selector.Majority, Selector.Pass], curves.Select(c => c.Selector));
        Assert.Null(ExactCurves.BestOfN(ps, 2));
    }
}
