using Sift.Eval.Metrics;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>The curves the demo draws: what selects one of N samples.</summary>
internal enum CurveKind
{
    /// <summary>Any of the N correct (the oracle, an upper bound).</summary>
    Pass,

    /// <summary>Majority vote over the N answers.</summary>
    Majority,

    /// <summary>The ORM's highest-scored sample.</summary>
    OrmBon,

    /// <summary>The PRM's highest-scored sample (solution score = its weakest step).</summary>
    PrmBon,

    /// <summary>Majority vote weighted by the ORM's scores.</summary>
    OrmWeighted,

    /// <summary>Majority vote weighted by the PRM's scores.</summary>
    PrmWeighted,
}

/// <summary>One seed's curves: accuracy (percent, mean over random N-subsets) per kind at each N.</summary>
/// <param name="Seed">The seed.</param>
/// <param name="Ns">N = 1, 2, 4, ..., the pool.</param>
/// <param name="Curves">Per kind present, the accuracy at each N.</param>
internal sealed record SeedCurves(ulong Seed, IReadOnlyList<int> Ns, IReadOnlyDictionary<CurveKind, double[]> Curves);

/// <summary>
/// The curves of one seed from its graded test samples and verifier scores, through the <c>sift bon</c> library
/// (<see cref="ScalingCurves"/>: random N-subsets of each problem's pool, ties to the lowest sample index): pass@N and
/// maj@N from the samples alone, best-of-N and weighted voting once per verifier.
/// </summary>
internal static class VerifierCurves
{
    /// <summary>Names in tables and charts.</summary>
    public static string Name(CurveKind k) => k switch
    {
        CurveKind.Pass => "pass@N",
        CurveKind.Majority => "majority@N",
        CurveKind.OrmBon => "ORM-BoN@N",
        CurveKind.PrmBon => "PRM-BoN@N",
        CurveKind.OrmWeighted => "ORM-weighted@N",
        _ => "PRM-weighted@N",
    };

    /// <summary>JSON names.</summary>
    public static string Key(CurveKind k) => k switch
    {
        CurveKind.Pass => "pass",
        CurveKind.Majority => "majority",
        CurveKind.OrmBon => "orm_bon",
        CurveKind.PrmBon => "prm_bon",
        CurveKind.OrmWeighted => "orm_weighted",
        _ => "prm_weighted",
    };

    /// <summary>The problems of a samples file with one score per sample (null: unscored), in problem order.</summary>
    public static List<ProblemOutcome> Outcomes(IReadOnlyList<SolutionSample> samples, Func<int, double?> score)
    {
        // Answers vote by their normalized text; a sample without an answer does not vote.
        var votes = new EquivalenceVote((a, b) => a == b);
        return samples.Select((s, k) => (s, k)).GroupBy(x => x.s.Problem).OrderBy(g => g.Key).Select(g =>
        {
            var outcomes = g.OrderBy(x => x.s.Sample).Select(x => new SampleOutcome(x.s.Prediction, x.s.Correct, score(x.k))).ToList();
            return ProblemOutcome.Create(g.Key, null, null, outcomes, votes);
        }).ToList();
    }

    /// <summary>One seed's curves; <paramref name="scores"/> (parallel to <paramref name="samples"/>) adds the verifiers' curves.</summary>
    public static SeedCurves Compute(ulong seed, IReadOnlyList<SolutionSample> samples, IReadOnlyList<SampleScores>? scores, int trials)
    {
        var curves = new Dictionary<CurveKind, double[]>();
        // The same subset seed for every selector, so their curves differ only by the selector.
        ulong subsetSeed = seed;
        var plain = ScalingCurves.Compute(Outcomes(samples, _ => null), trials, subsetSeed);
        var ns = plain[0].Points.Select(p => p.N).ToList();
        curves[CurveKind.Pass] = Means(plain, Selector.Pass);
        curves[CurveKind.Majority] = Means(plain, Selector.Majority);
        if (scores is not null)
        {
            if (scores.Count != samples.Count)
            {
                throw new Core.SiftException($"scores: {scores.Count} lines for {samples.Count} samples");
            }
            foreach (var (get, bon, weighted) in new (Func<SampleScores, double?>, CurveKind, CurveKind)[]
                { (s => s.Orm, CurveKind.OrmBon, CurveKind.OrmWeighted), (s => s.Prm, CurveKind.PrmBon, CurveKind.PrmWeighted) })
            {
                if (scores.Any(s => get(s) is null))
                {
                    continue;
                }
                var c = ScalingCurves.Compute(Outcomes(samples, k => get(scores[k])), trials, subsetSeed);
                curves[bon] = Means(c, Selector.BestOfN);
                curves[weighted] = Means(c, Selector.Weighted);
            }
        }
        return new SeedCurves(seed, ns, curves);
    }

    private static double[] Means(IReadOnlyList<ScalingCurve> curves, Selector s) => curves.First(c => c.Selector == s).Points.Select(p => p.Mean).ToArray();
}
