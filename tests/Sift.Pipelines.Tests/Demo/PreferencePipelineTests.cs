using Sift.Pipelines.Demo;
using Sift.Pipelines.Demo.Preferences;

namespace Sift.Pipelines.Tests.Demo;

/// <summary>`sift demo preferences --quick` end to end: every stage, the typed summary, the report, and a cached rerun.</summary>
public sealed class PreferencePipelineTests
{
    [Fact]
    public void Quick_RunsEveryStage_SummaryRoundTrips_ReportNamesEveryStage_AndARerunIsCached()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sift-prefdemo").FullName, "out");
        var o = PreferenceSettings.Build(quick: true, []);
        var r = new PreferencePipeline(o).Run(dir);

        // Stages in order: the corpus and base model (sift demo's), the problems, then per seed SFT and each rule's loop.
        var expected = new List<string> { "synth", "reference", "problems" };
        foreach (ulong seed in o.Seeds)
        {
            expected.Add($"sft-s{seed}");
            expected.AddRange(o.Iterations > 0 ? o.Rules.Select(rule => $"{rule}-s{seed}") : []);
        }
        Assert.Equal(expected, r.Stages.Select(s => s.Name));
        Assert.All(r.Stages, s => Assert.False(s.Cached, s.Name));
        // Columns: base, SFT, then every rule's iterations; every seed scored on the same held-out problems.
        var columns = new List<string> { "base", "sft" };
        columns.AddRange(o.Rules.SelectMany(rule => Enumerable.Range(1, o.Iterations).Select(i => $"{rule}-{i}")));
        Assert.Equal(columns, r.Columns.Select(c => c.Name));
        int heldOut = o.Demo.Corpus.EvalPerTier;
        Assert.All(r.Columns.Skip(1), c => Assert.Equal(o.Seeds, c.Scores.Select(s => s.Seed)));
        Assert.All(r.Columns.SelectMany(c => c.Scores), s => Assert.Equal(heldOut, s.Score.AccuracyProblems));
        Assert.All(r.Columns.SelectMany(c => c.Scores), s => Assert.InRange(s.Score.Accuracy * heldOut, -1e-9, heldOut + 1e-9));

        // The decontamination check: nothing flagged against the clean problems, exactly the planted item in the copy.
        Assert.Equal(0, r.Leaks.CleanFlaggedHeldOut);
        Assert.True(r.Leaks.Planted.CaughtExactly, $"flagged {string.Join(",", r.Leaks.Planted.Flagged)}, planted {r.Leaks.Planted.PlantedIndex}");
        Assert.Equal(r.Leaks.TrainingProblems - r.Leaks.Removed, r.Leaks.CleanProblems);

        // summary.json reads back into its typed record and says what the result says.
        var s = PreferenceSummary.Read(Path.Combine(dir, "summary.json"));
        Assert.Equal(PreferenceSummary.Build(r).ToJson(), s.ToJson());
        Assert.Equal(columns, s.Stages.Select(x => x.Name));
        Assert.Equal(r.Sft.Accuracy.Mean, s.Stages[1].Accuracy.Mean, 6);
        Assert.Equal(o.Seeds, s.Seeds);
        Assert.Equal(r.Conclusion, s.Conclusion);
        Assert.All(s.Stages.Where(x => x.Rule is not null), x => Assert.NotNull(x.Outcome));
        Assert.True(s.Leaks.Planted.CaughtExactly);

        string report = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.All(r.Columns, c => Assert.Contains($"| {c.Label} |", report));
        Assert.Contains("## Decontamination", report);
        Assert.Contains("exactly that item", report);
        string table = PreferenceReport.ConsoleTable(r);
        Assert.All(r.Columns, c => Assert.Contains(c.Label, table));
        string svg = File.ReadAllText(Path.Combine(dir, "preferences.svg"));
        Assert.StartsWith("<svg", svg);

        // A rerun finds every stage finished and reproduces every figure.
        var again = new PreferencePipeline(o).Run(dir);
        Assert.All(again.Stages, st => Assert.True(st.Cached, st.Name));
        Assert.Equal(r.Columns.SelectMany(c => c.Scores.Select(x => x.Score.Accuracy)), again.Columns.SelectMany(c => c.Scores.Select(x => x.Score.Accuracy)));

        // More SFT steps redo SFT and what follows it, not the corpus, the base model or the problems.
        var longer = new PreferencePipeline(PreferenceSettings.Build(quick: true, ["sft.train.max_steps=9"])).Run(dir);
        Assert.Equal(["synth", "reference", "problems"], longer.Stages.Where(st => st.Cached).Select(st => st.Name));
    }

    [Fact]
    public void Settings_RouteKeys_ToTheDemo_TheSftRecipe_AndThePreferenceOptions()
    {
        var o = PreferenceSettings.Build(quick: false, ["sft.optim.lr=5e-4", "reference.train.max_steps=123", "pref.iterations=1", "pref.rules=dpo", "seeds=4,5", "pref.train=optim.lr=2e-4"]);
        Assert.Equal(5e-4, o.Sft.Lr, 9);
        Assert.Equal(60, o.Sft.MaxSteps); // the preference default
        Assert.Equal(123, o.Demo.Reference.MaxSteps);
        Assert.Equal(1, o.Iterations);
        Assert.Equal(["dpo"], o.Rules);
        Assert.Equal([4UL, 5UL], o.Seeds);
        Assert.Equal(["optim.lr=2e-4"], o.PreferenceTrain); // replaces the default's optim.lr=1e-5
        Assert.Equal(["optim.lr=1e-5"], PreferenceSettings.Build(quick: false, []).PreferenceTrain);
        // The corpus and base model are sift demo's: the same synth and reference settings give the same stage keys.
        Assert.Equal(DemoStages.CorpusSettings(DemoOptions.Default), DemoStages.CorpusSettings(PreferenceSettings.Build(quick: false, []).Demo));
        Assert.Equal(DemoOptions.Default.Reference.ResultValues(), PreferenceSettings.Build(quick: false, []).Demo.Reference.ResultValues());

        Assert.Contains("student.", Assert.Throws<Sift.Core.SiftException>(() => PreferenceSettings.Build(false, ["student.optim.lr=1e-3"])).Message);
        Assert.Contains("pref.rules", Assert.Throws<Sift.Core.SiftException>(() => PreferenceSettings.Build(false, ["pref.rules=ppo"]).Validate()).Message);
        Assert.Contains("pref.nope", Assert.Throws<Sift.Core.SiftException>(() => PreferenceSettings.Build(false, ["pref.nope=1"])).Message);
    }

    [Fact]
    public void VersusSft_IsThePairedPerSeedDifference_WithAStudentTInterval()
    {
        static HeldOutScore A(double a) => new() { Accuracy = a, AccuracyProblems = 1000 };
        var o = PreferenceSettings.Build(quick: true, ["seeds=1,2,3"]);
        var sft = new StageScores("sft", "SFT", null, 0, [new(1, A(0.28)), new(2, A(0.31)), new(3, A(0.30))]);
        var kto = new StageScores("kto-1", "KTO, iteration 1", "kto", 1, [new(1, A(0.30)), new(2, A(0.32)), new(3, A(0.34))]);
        var dpo = new StageScores("dpo-1", "DPO, iteration 1", "dpo", 1, [new(1, A(0.38)), new(2, A(0.40)), new(3, A(0.41))]);
        var r = new PreferenceResult
        {
            Options = o,
            Folder = "",
            Command = "",
            Stages = [],
            Columns = [new("base", "base model", null, 0, [new(0, A(0.25))]), sft, kto, dpo],
            Leaks = new LeakCheckResult(),
            SelfTrain = [],
            WallSeconds = 0,
            Load = (0, 0),
        };
        // KTO − SFT per seed: 0.02, 0.01, 0.04; mean 0.02333, sd 0.015275, t(0.975, 2) = 4.303: half-width 0.037948.
        var d = r.VersusSft(kto);
        Assert.Equal([0.02, 0.01, 0.04], d.Values.Select(v => Math.Round(v, 10)));
        Assert.Equal(0.0233333, d.Mean, 6);
        Assert.Equal(0.0152753, d.Sd, 6);
        Assert.Equal(0.0233333 - 0.0379484, d.Low, 5);
        Assert.Equal(Outcome.WithinNoise, r.OutcomeVersusSft(kto));
        // DPO − SFT: 0.10, 0.09, 0.11; sd 0.01, half-width 0.0248: the interval excludes 0.
        Assert.Equal(Outcome.Better, r.OutcomeVersusSft(dpo));
        Assert.Equal("against SFT on held-out accuracy: KTO, iteration 1 within seed noise; DPO, iteration 1 better beyond seed noise", r.Conclusion);
    }
}
