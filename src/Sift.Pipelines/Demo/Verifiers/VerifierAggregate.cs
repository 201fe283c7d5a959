using System.Globalization;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>The seeds' curves as means with spreads (<see cref="SeedSpread"/>), and what they say in words.</summary>
internal static class VerifierAggregate
{
    /// <summary>Every kind present in all seeds, in <see cref="CurveKind"/> order, with the verifiers' paired differences from majority@N.</summary>
    public static List<CurveSummary> Curves(IReadOnlyList<SeedCurves> seeds)
    {
        var ns = seeds[0].Ns;
        if (seeds.Any(s => !s.Ns.SequenceEqual(ns)))
        {
            throw new InvalidOperationException("the seeds' curves have different N");
        }
        var list = new List<CurveSummary>();
        foreach (var kind in Enum.GetValues<CurveKind>().Where(k => seeds.All(s => s.Curves.ContainsKey(k))))
        {
            bool paired = kind is not (CurveKind.Pass or CurveKind.Majority);
            list.Add(new CurveSummary
            {
                Kind = VerifierCurves.Key(kind),
                Name = VerifierCurves.Name(kind),
                Points = ns.Select((n, i) => Point(n, seeds.Select(s => s.Curves[kind][i]))).ToList(),
                MinusMajority = paired ? ns.Select((n, i) => Point(n, seeds.Select(s => s.Curves[kind][i] - s.Curves[CurveKind.Majority][i]))).ToList() : null,
            });
        }
        return list;
    }

    /// <summary>A point from per-seed values.</summary>
    public static CurvePointSummary Point(int n, IEnumerable<double> perSeed)
    {
        var s = SeedSpread.Of(perSeed);
        static double? F(double v) => double.IsFinite(v) ? Math.Round(v, 4) : null;
        return new CurvePointSummary { N = n, Mean = Math.Round(s.Mean, 4), Sd = F(s.Sd), Low = F(s.Low), High = F(s.High), PerSeed = s.Values.Select(v => Math.Round(v, 4)).ToList() };
    }

    /// <summary>
    /// The reading asked for: is each verifier's selection above majority voting at the largest N, beyond the seed-to-seed
    /// spread (the paired 95% interval excludes zero), and below pass@N? Plain sentences, one per verifier curve.
    /// </summary>
    public static List<string> Reading(IReadOnlyList<CurveSummary> curves)
    {
        var lines = new List<string>();
        var pass = curves.FirstOrDefault(c => c.Kind == "pass");
        var maj = curves.FirstOrDefault(c => c.Kind == "majority");
        if (pass is null || maj is null)
        {
            return lines;
        }
        int last = pass.Points.Count - 1;
        int n = pass.Points[last].N;
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"At N = {n}: pass@N {pass.Points[last].Mean:0.0}%, majority@N {maj.Points[last].Mean:0.0}% (N = 1: {maj.Points[0].Mean:0.0}%)."));
        foreach (var c in curves.Where(c => c.MinusMajority is not null))
        {
            var d = c.MinusMajority![last];
            var p = c.Points[last];
            string beyond = d.Low is double lo && d.High is double hi
                ? lo > 0 ? "above majority beyond the seed spread" : hi < 0 ? "below majority beyond the seed spread" : "within the seed spread of majority"
                : "one seed, no interval";
            string interval = d.Low is double l && d.High is double h ? string.Create(CultureInfo.InvariantCulture, $" [{l:+0.0;-0.0}, {h:+0.0;-0.0}]") : "";
            string vsPass = p.Mean < pass.Points[last].Mean ? "below pass@N" : "at pass@N";
            // Whether the gain over majority grows with N: the paired difference at the largest N against N = 2 (N = 1 is the same sample for every selector).
            int from = Math.Min(1, last);
            string trend = c.MinusMajority![last].Mean > c.MinusMajority![from].Mean + 0.05 ? "its gain over majority grows from N = 2"
                : c.MinusMajority![last].Mean < c.MinusMajority![from].Mean - 0.05 ? "its gain over majority shrinks from N = 2" : "its gain over majority is flat from N = 2";
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{c.Name}: {p.Mean:0.0}%, {d.Mean:+0.0;-0.0;0.0} points vs majority{interval} ({beyond}); {vsPass}; {trend}."));
        }
        return lines;
    }
}
