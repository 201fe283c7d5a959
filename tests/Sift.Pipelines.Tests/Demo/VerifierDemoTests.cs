using Sift.Pipelines.Demo.Verifiers;

namespace Sift.Pipelines.Tests.Demo;

/// <summary>
/// `sift demo verifiers --quick` end to end (seconds): its curves against a brute-force recomputation from its own
/// samples and scores files, stage caching on a rerun, and summary.json through its typed record.
/// </summary>
public sealed class VerifierDemoTests
{
    [Fact]
    public void QuickDemo_CurvesEqualBruteForce_RerunIsCached_SummaryRoundTrips()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sift-vdemo").FullName, "out");
        var o = VerifierOptions.Quick() with { Trials = 400 };
        var r = new VerifierPipeline(o).Run(dir);
        Assert.All(r.Stages, s => Assert.False(s.Cached));
        Assert.Equal(o.Seeds, r.Summary.Seeds);
        int[] ns = [.. r.Summary.Curves[0].Points.Select(p => p.N)];
        Assert.Equal([1, 2, 4, 8], ns);
        Assert.Equal(["pass", "majority", "orm_bon", "prm_bon", "orm_weighted", "prm_weighted"], r.Summary.Curves.Select(c => c.Kind));
        string[] perSeed = ["samples", "labels", "prm", "orm", "scores"];
        Assert.Equal(["synth", "reference", .. o.Seeds.SelectMany(s => perSeed.Select(p => $"{p}-s{s}"))], r.Stages.Select(s => s.Name));

        foreach (var (seed, si) in o.Seeds.Select((s, i) => (s, i)))
        {
            var samples = SolutionSampler.Read(Path.Combine(dir, $"samples-s{seed}", "test.jsonl"));
            Assert.Equal(o.TestProblems * o.Samples, samples.Count);
            string scoresPath = Path.Combine(dir, $"scores-s{seed}", "scores.jsonl");
            var scores = JsonlRecords.Read(scoresPath, VerifierJson.Default.SampleScores);
            Assert.Equal(samples.Count, scores.Count);
            Assert.All(scores, x => Assert.InRange(x.Prm!.Value, 0, 1));
            Assert.All(scores, x => Assert.InRange(x.Orm!.Value, 0, 1));
            var pools = samples.GroupBy(x => x.Problem).OrderBy(g => g.Key).Select(g => g.OrderBy(x => x.Sample).ToList()).ToList();
            foreach (var c in r.Summary.Curves)
            {
                Func<SolutionSample, double>? score = c.Kind switch
                {
                    "orm_bon" or "orm_weighted" => x => scores[samples.IndexOf(x)].Orm!.Value,
                    "prm_bon" or "prm_weighted" => x => scores[samples.IndexOf(x)].Prm!.Value,
                    _ => null,
                };
                foreach (var p in c.Points)
                {
                    double exact = 100 * pools.Average(pool => BruteForce(pool, p.N, c.Kind, score));
                    double got = p.PerSeed[si];
                    if (p.N == o.Samples)
                    {
                        // The whole pool is one subset: every trial is the same, so the curve is exact.
                        Assert.Equal(exact, got, 3); // the summary rounds to 4 decimals
                    }
                    else
                    {
                        // Random subsets: within 5 standard errors of the exact expectation (per-problem variance ≤ 1/4).
                        double se = 100 * Math.Sqrt(0.25 / (pools.Count * (double)o.Trials));
                        Assert.InRange(got, exact - 5 * se, exact + 5 * se);
                    }
                }
            }
            // The mean over seeds is the mean of the per-seed values.
            Assert.All(r.Summary.Curves.SelectMany(c => c.Points), p => Assert.Equal(p.PerSeed.Average(), p.Mean, 3));
        }

        // summary.json is the typed record, and reads back to the same text.
        string path = Path.Combine(dir, "summary.json");
        var back = VerifierReport.Read(path);
        Assert.Equal(File.ReadAllText(path).TrimEnd(), VerifierReport.Json(back));
        Assert.Equal(r.Summary.Curves.Count, back.Curves.Count);
        foreach (string f in new[] { "report.md", "verifiers.svg" })
        {
            Assert.True(File.Exists(Path.Combine(dir, f)), f);
        }

        // A rerun skips every stage and reports the same curves.
        var again = new VerifierPipeline(o).Run(dir);
        Assert.All(again.Stages, s => Assert.True(s.Cached, s.Name));
        Assert.Equal(r.Stages.Select(s => s.Name), again.Stages.Select(s => s.Name));
        Assert.Equal(VerifierReport.Json(r.Summary with { Stages = [], WallSeconds = 0, LoadStart = null, LoadEnd = null }),
            VerifierReport.Json(again.Summary with { Stages = [], WallSeconds = 0, LoadStart = null, LoadEnd = null }));
    }

    [Fact]
    public void Validate_NamesTheProblemsThatDoNotFit()
    {
        var o = VerifierOptions.Quick() with { TestProblems = 30 };
        var ex = Assert.Throws<Sift.Core.SiftException>(o.Validate);
        Assert.Contains("corpus.eval_per_tier", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnswerLine_CutsAfterTheFirstAnswerLine()
    {
        Assert.Equal("a = 2.\n#### 2", SolutionSampler.AnswerLine("a = 2.\n#### 2\nNext problem"));
        Assert.Equal("no answer", SolutionSampler.AnswerLine("no answer \n"));
    }

    // Expected accuracy on one problem of a selector over every N-subset of its pool (all equally likely), written
    // independently of the library: votes by the prediction text (empty = no vote), ties to the lowest index.
    private static double BruteForce(List<SolutionSample> pool, int n, string kind, Func<SolutionSample, double>? score)
    {
        int m = pool.Count, subsets = 0, right = 0;
        foreach (var subset in Subsets(m, n))
        {
            subsets++;
            var chosen = subset.Select(i => pool[i]).ToList();
            bool ok = kind switch
            {
                "pass" => chosen.Any(x => x.Correct),
                "majority" => Vote(chosen, _ => 1.0).Correct,
                "orm_bon" or "prm_bon" => chosen.OrderByDescending(score!).ThenBy(x => x.Sample).First().Correct,
                _ => Vote(chosen, score!).Correct,
            };
            right += ok ? 1 : 0;
        }
        return (double)right / subsets;
    }

    // The answer with the largest total weight (ties to the one seen first in sample order); its first sample.
    private static SolutionSample Vote(List<SolutionSample> chosen, Func<SolutionSample, double> weight)
    {
        var voters = chosen.Where(x => x.Prediction.Length > 0).OrderBy(x => x.Sample).ToList();
        if (voters.Count == 0)
        {
            return chosen.OrderBy(x => x.Sample).First();
        }
        var totals = voters.GroupBy(x => x.Prediction).Select(g => (First: g.First(), Total: g.Sum(weight))).ToList();
        double best = totals.Max(t => t.Total);
        return totals.Where(t => t.Total == best).OrderBy(t => t.First.Sample).First().First;
    }

    private static IEnumerable<int[]> Subsets(int m, int n)
    {
        var idx = Enumerable.Range(0, n).ToArray();
        while (true)
        {
            yield return [.. idx];
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
}
