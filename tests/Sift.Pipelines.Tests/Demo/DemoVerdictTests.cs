using Sift.Pipelines.Demo;
using Sift.Pipelines.Training.Metrics;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Tests.Demo;

public sealed class DemoVerdictTests
{
    [Fact]
    public void SeedSpread_MeanSdAndStudentTInterval_MatchHandComputedValues()
    {
        var s = SeedSpread.Of([1.0, 2.0, 3.0]);
        Assert.Equal(2.0, s.Mean, 12);
        Assert.Equal(1.0, s.Sd, 12); // sample sd: sqrt(((1)² + 0 + (1)²) / 2)
        Assert.Equal(4.303 / Math.Sqrt(3), s.HalfWidth, 9); // t(0.975, 2) = 4.303
        Assert.True(s.Excludes(-1) && !s.Excludes(0.5));
        // NaN (a speedup never reached) is left out and counted.
        var m = SeedSpread.Of([1.2, double.NaN, 1.4]);
        Assert.Equal((2, 1), (m.N, m.Missing));
        Assert.Equal(1.3, m.Mean, 12);
        Assert.Equal(12.706 * Math.Sqrt(0.02) / Math.Sqrt(2), m.HalfWidth, 9);
        // One value: a mean, no interval.
        Assert.False(SeedSpread.Of([0.5]).Excludes(0));
        Assert.True(double.IsNaN(SeedSpread.Of([0.5]).HalfWidth));
    }

    [Fact]
    public void StudentT_TableAndLargeSampleApproximationAgree()
    {
        Assert.Equal(12.706, StudentT.Quantile975(1));
        Assert.Equal(2.042, StudentT.Quantile975(30));
        // Above the table: the expansion is within 0.002 of the exact quantiles (2.021 at 40, 2.000 at 60, 1.980 at 120).
        Assert.Equal(2.021, StudentT.Quantile975(40), 2);
        Assert.Equal(2.000, StudentT.Quantile975(60), 2);
        Assert.Equal(1.980, StudentT.Quantile975(120), 2);
        Assert.True(StudentT.Quantile975(31) < StudentT.Quantile975(30));
    }

    private static ArmResult Arm(string name, ulong seed, params double[] cleanLosses)
    {
        var curve = cleanLosses.Select((l, i) => new EvalPoint((i + 1) * 10, (i + 1) * 1000L, (i + 1) * 600L, l, l + 1, 0.1 * (i + 1) + seed * 0.01)).ToList();
        var evals = curve.Select(p => new MetricsLine { Step = p.Step, Tokens = p.Tokens, TrainedTokens = p.TrainedTokens, CleanLoss = p.CleanLoss, AnswerLoss = p.AnswerLoss, Accuracy = p.Accuracy }).ToList();
        var counts = new Dictionary<string, (long, long)> { ["clean"] = (60, 100) };
        return new ArmResult(name, curve, curve[^1].Tokens, curve[^1].TrainedTokens, evals[^1], counts, 1e9, 10)
        {
            Objective = ObjectiveRegistry.Find(name),
            Evaluations = evals,
            Seed = seed,
        };
    }

    // A demo result of hand-made seed runs (no stages, no files).
    private static DemoResult ResultOf(DemoOptions o, List<SeedRun> runs) => new()
    {
        Options = o,
        Folder = "",
        Stages = [],
        Reference = Arm("clm", 0, 1),
        Runs = runs,
        Arms = DemoPipeline.MeanArms(o, runs),
        CorpusShares = new Dictionary<string, double>(),
        ScoringFlops = 0,
        WallSeconds = 0,
    };

    [Fact]
    public void Mean_AveragesCurvesPointByPoint_AndSumsSelectionCounts()
    {
        var m = ArmResult.Mean([Arm("slm", 1, 3.0, 2.0), Arm("slm", 2, 2.0, 1.0)]);
        Assert.Null(m.Seed);
        Assert.Equal([2.5, 1.5], m.Curve.Select(p => p.CleanLoss));
        Assert.Equal(1.5, m.CleanLoss, 9);
        Assert.Equal(2.5, m.AnswerLoss, 9);
        Assert.Equal(0.215, m.Accuracy, 9);
        Assert.Equal((120L, 200L), m.Selection["clean"]);
        Assert.Throws<Sift.Core.SiftException>(() => ArmResult.Mean([Arm("slm", 1, 3.0, 2.0), Arm("slm", 2, 2.0)]));
    }

    [Fact]
    public void Verdict_PairsArmsBySeed_AndCallsADifferenceOnlyWhenItsIntervalExcludesZero()
    {
        static DemoResult Result(double[] clm, double[] slm)
        {
            var o = DemoPipelineTests.With(DemoPipelineTests.Micro, "arms=clm,slm", $"seeds={string.Join(",", Enumerable.Range(1, clm.Length))}");
            return ResultOf(o, clm.Select((c, i) => new SeedRun((ulong)i + 1, [Arm("clm", (ulong)i + 1, c + 1, c), Arm("slm", (ulong)i + 1, slm[i] + 1, slm[i])])).ToList());
        }
        // A consistent gap of about 0.1 against seed-to-seed differences of 0.3: paired, it is larger than the spread.
        var clear = Result([1.0, 1.3, 1.6], [0.9, 1.21, 1.49]).Verdict;
        var clean = clear.Metric("clean_loss");
        Assert.Equal([-0.1, -0.09, -0.11], clean.Difference["slm"].Values.Select(v => Math.Round(v, 9)));
        Assert.Equal(Outcome.Better, clean.OutcomeOf("slm"));
        Assert.Contains("clean loss better", clear.Conclusion);
        // Same seeds' accuracies for both arms in this fixture: no difference at all.
        Assert.Equal(Outcome.WithinNoise, clear.Metric("accuracy").OutcomeOf("slm"));
        // Differences of both signs: within the spread.
        var noisy = Result([1.0, 1.3, 1.6], [0.9, 1.35, 1.55]).Verdict;
        Assert.Equal(Outcome.WithinNoise, noisy.Metric("clean_loss").OutcomeOf("slm"));
        Assert.Contains("within seed noise", noisy.Conclusion);
        // Worse beyond the spread.
        Assert.Equal(Outcome.Worse, Result([1.0, 1.3, 1.6], [1.1, 1.42, 1.69]).Verdict.Metric("clean_loss").OutcomeOf("slm"));
        // One seed: no interval.
        Assert.Equal(Outcome.OneSeed, Result([1.0], [0.9]).Verdict.Metric("clean_loss").OutcomeOf("slm"));
        // Per-seed speedups: each seed's SLM against its own CLM's final loss.
        Assert.Equal(3, clear.SpeedupTokens.N);
        Assert.All(clear.SpeedupTokens.Values, v => Assert.True(v > 1));
    }

    [Fact]
    public void ChanceLevel_IsTheMostCommonGoldAnswersShare_OverTheDecodedProblems()
    {
        string[] gold = ["8", "6", "8", "9", "6", "6"];
        Assert.Equal(new ChanceLevel("6", 0.5, 6), ChanceLevel.Of(gold, null));
        Assert.Equal(new ChanceLevel("8", 0.5, 4), ChanceLevel.Of(gold, 4)); // 8 and 6 tie on the first four: the first wins
        Assert.Equal(new ChanceLevel("6", 0.5, 6), ChanceLevel.Of(gold, 1000)); // more than were written: all of them
        Assert.Equal(0, ChanceLevel.Of([], 10).Problems);
    }

    [Fact]
    public void Accuracy_BelowTheChanceCeilingForBothArms_IsAtChance_NotBetterOrWorse()
    {
        // 100 problems whose most common answer ("6") is 8% of them: chance 8%, ceiling 8% + 1.96·sqrt(0.08·0.92/100) = 13.3%.
        var gold = Enumerable.Range(0, 100).Select(i => i < 8 ? "6" : (10 + (i % 40)).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        ArmResult WithAccuracy(string name, ulong seed, double accuracy)
        {
            var a = Arm(name, seed, 1.0);
            return a with { Final = a.Final with { Accuracy = accuracy, AccuracyProblems = 100 }, GoldAnswers = gold };
        }
        DemoVerdict Verdict(double[] clm, double[] slm)
        {
            var o = DemoPipelineTests.With(DemoPipelineTests.Micro, "arms=clm,slm", "seeds=1,2,3");
            return ResultOf(o, clm.Select((c, i) => new SeedRun((ulong)i + 1, [WithAccuracy("clm", (ulong)i + 1, c), WithAccuracy("slm", (ulong)i + 1, slm[i])])).ToList()).Verdict;
        }
        // SLM consistently 5 points lower, but both under the ceiling: which constant each guesses, not solving.
        var guessing = Verdict([0.08, 0.07, 0.09], [0.03, 0.02, 0.04]);
        var acc = guessing.Metric("accuracy");
        Assert.Equal(0.08, acc.Chance, 12);
        Assert.Equal(0.08 + (1.96 * Math.Sqrt(0.08 * 0.92 / 100)), acc.ChanceCeiling, 12);
        Assert.Equal(Outcome.AtChance, acc.OutcomeOf("slm"));
        Assert.Contains("accuracy at chance level", guessing.Conclusion);
        Assert.Contains("always answering 6 scores 8.0% of the 100 problems", guessing.Sentences());
        Assert.Equal("at_chance", DemoSummary.VerdictJson(guessing)["metrics"]!["accuracy"]!["arms"]!["slm"]!["outcome"]!.GetValue<string>());
        Assert.Equal("6", DemoSummary.VerdictJson(guessing)["metrics"]!["accuracy"]!["chance"]!["answer"]!.GetValue<string>());
        // The same gap with CLM above the ceiling is a real difference.
        Assert.Equal(Outcome.Worse, Verdict([0.30, 0.29, 0.31], [0.25, 0.24, 0.26]).Metric("accuracy").OutcomeOf("slm"));
        // Losses never get a chance level.
        Assert.Equal(Outcome.WithinNoise, guessing.Metric("clean_loss").OutcomeOf("slm"));
    }
}
