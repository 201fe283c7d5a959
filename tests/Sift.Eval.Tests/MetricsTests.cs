using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Sift.Eval.Metrics;

namespace Sift.Eval.Tests;

public sealed class MetricsTests
{
    private static double NaivePassAtK(int n, int c, int k)
    {
        static BigInteger Choose(int n, int k)
        {
            if (k < 0 || k > n)
            {
                return 0;
            }
            BigInteger r = 1;
            for (int i = 1; i <= k; i++)
            {
                r = r * (n - k + i) / i;
            }
            return r;
        }
        // 1 - C(n-c, k) / C(n, k), exactly, then to double.
        BigInteger num = Choose(n - c, k), den = Choose(n, k);
        return 1.0 - (double)num / (double)den;
    }

    [Fact]
    public void PassAtK_EqualsTheBinomialFormula() =>
        Prop.ForAll(Gen.Choose(1, 80).SelectMany(n => Gen.Choose(0, n).SelectMany(c => Gen.Choose(1, n).Select(k => (n, c, k)))).ToArbitrary(), t =>
        {
            var (n, c, k) = t;
            return Math.Abs(PassAtK.Estimate(n, c, k) - NaivePassAtK(n, c, k)) < 1e-12;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void PassAtK_KnownValues()
    {
        Assert.Equal(0.25, PassAtK.Estimate(4, 1, 1), 12);
        Assert.Equal(1.0, PassAtK.Estimate(4, 3, 2));
        Assert.Equal(0.0, PassAtK.Estimate(10, 0, 5));
        Assert.Equal(1 - 28.0 / 45, PassAtK.Estimate(10, 2, 2), 12);
    }

    [Fact]
    public void Majority_TiesGoToTheLowestFirstIndex_AndEmptyAnswersDoNotVote()
    {
        var classes = ExactVote.Instance.Classes(["7", "5", "5", "7", "9"]);
        Assert.Equal([0, 1, 1, 0, 2], classes);
        Assert.Equal(0, Selection.Majority(classes, [0, 1, 2, 3, 4]));
        // A tie between class 0 (samples 0, 3) and class 1 (1, 2) goes to the class whose first sample is lowest,
        // whatever order the subset lists them in (for a prefix 0..k-1 that is Counter.most_common's first seen).
        Assert.Equal(0, Selection.Majority(classes, [1, 0, 2, 3]));
        var eq = new EquivalenceVote((a, b) => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture) == double.Parse(b, System.Globalization.CultureInfo.InvariantCulture));
        var c2 = eq.Classes(["", "0.5", ".50", " ", "2", "2"]);
        Assert.Equal([-1, 0, 0, -1, 1, 1], c2);
        Assert.Equal(1, Selection.Majority(c2, [0, 1, 2, 3, 4, 5]));
        Assert.Equal(0, Selection.Majority(c2, [0, 3]));
        Assert.Equal(-1, Selection.Majority(c2, []));
    }

    [Fact]
    public void BestByScore_TakesTheMaximumWithTheLowestIndex()
    {
        var s = new[] { new SampleOutcome("1", false, 0.5), new SampleOutcome("2", true, 0.9), new SampleOutcome("3", false, 0.9) };
        Assert.Equal(1, Selection.BestByScore(s, [0, 1, 2]));
        Assert.Equal(1, Selection.BestByScore(s, [2, 1]));
        Assert.Equal(-1, Selection.BestByScore([new SampleOutcome("1", true)], [0]));
    }

    [Fact]
    public void Wilson_KnownValues()
    {
        var (lo, hi) = Intervals.Wilson(50, 100);
        Assert.Equal(0.4038, lo, 4);
        Assert.Equal(0.5962, hi, 4);
        var (lo0, hi0) = Intervals.Wilson(0, 10);
        Assert.Equal(0, lo0);
        Assert.Equal(0.2775, hi0, 4);
        var (blo, bhi) = Intervals.BootstrapMean([.. Enumerable.Repeat(0.0, 50), .. Enumerable.Repeat(1.0, 50)]);
        Assert.InRange(blo, 0.38, 0.42);
        Assert.InRange(bhi, 0.58, 0.62);
    }

    private static ProblemOutcome P(int idx, string? subject, params (string A, bool C)[] s) =>
        ProblemOutcome.Create(idx, subject, null, s.Select(x => new SampleOutcome(x.A, x.C)).ToList(), ExactVote.Instance);

    [Fact]
    public void Summary_ComputesEveryMetric()
    {
        var ps = new[]
        {
            P(0, "A", ("1", true), ("2", false), ("2", false), ("1", true)),
            P(1, "A", ("3", false), ("4", true), ("4", true), ("5", false)),
            P(2, "B", ("", false), ("", false), ("6", false), ("7", true)),
        };
        var m = EvalMetrics.Compute(ps);
        Assert.Equal((3, 12, 4), (m.Problems, m.Completions, m.SamplesPerProblem));
        Assert.Equal(100.0 / 3, m.Accuracy.Percent, 9);
        Assert.Equal([2, 4], m.MajorityAt.Keys.Order());
        // maj@2: p0 {1,2} tie → "1" ✓; p1 {3,4} tie → "3" ✗; p2 {"",""} exact vote → "" ✗.
        Assert.Equal(100.0 / 3, m.MajorityAt[2].Percent, 9);
        // maj@4: p0 tie 1:2 → "1" ✓; p1 "4" ✓; p2 "" (2 votes) ✗.
        Assert.Equal(200.0 / 3, m.MajorityAt[4].Percent, 9);
        Assert.Equal(100.0 * (0.5 + 0.5 + 0.25) / 3, m.PassAt[1].Percent, 9);
        Assert.Equal(100.0, m.PassAt[4].Percent, 9);
        Assert.Empty(m.BestOfAt);
        Assert.Equal(2, m.NoAnswer);
        Assert.Equal(["A", "B"], m.BySubject.Select(g => g.Key));
        Assert.Equal(50.0, m.BySubject[0].Accuracy.Percent);
        Assert.Equal(100.0, m.BySubject[0].Majority!.Percent);
    }

    [Fact]
    public void Curves_AtTheFullPoolEqualThePoolMetrics_AndAreMonotoneForPass()
    {
        var rng = new Random(3);
        var ps = Enumerable.Range(0, 40).Select(i => ProblemOutcome.Create(i, null, null,
            Enumerable.Range(0, 8).Select(_ =>
            {
                int a = rng.Next(4);
                return new SampleOutcome(a.ToString(System.Globalization.CultureInfo.InvariantCulture), a == 0, rng.NextDouble());
            }).ToList(), ExactVote.Instance)).ToList();
        var curves = ScalingCurves.Compute(ps, trials: 50, seed: 1);
        Assert.Equal(["maj@N", "best-of-N", "weighted maj@N", "pass@N (any correct)"], curves.Select(c => c.Name));
        var pass = curves[3].Points;
        Assert.Equal([1, 2, 4, 8], pass.Select(p => p.N));
        for (int i = 1; i < pass.Count; i++)
        {
            Assert.True(pass[i].Mean >= pass[i - 1].Mean);
        }
        // With N = pool, every trial sees the whole pool: any-correct and best score do not depend on order.
        var m = EvalMetrics.Compute(ps);
        Assert.Equal(m.PassAt[8].Percent, pass[^1].Mean, 9);
        Assert.Equal(0, pass[^1].Std, 9);
        Assert.Equal(m.BestOfAt[8].Percent, curves[1].Points[^1].Mean, 9);
        // N = 1: maj@1 and best-of-1 are the accuracy of a random sample.
        double single = ps.Average(p => p.Samples.Count(s => s.Correct) / 8.0) * 100;
        Assert.InRange(curves[0].Points[0].Mean, single - 5, single + 5);
    }
}
