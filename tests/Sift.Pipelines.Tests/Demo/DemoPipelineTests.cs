using System.Text.Json.Nodes;
using Sift.Pipelines.Demo;
using Sift.Pipelines.Demo.Study;
using Sift.Synth;

namespace Sift.Pipelines.Tests.Demo;

/// <summary>The whole demo on a micro configuration (seconds): stages, caching, the summary's schema, the study.</summary>
public sealed class DemoPipelineTests
{
    /// <summary>Every stage of the real demo, shrunk: 300 clean documents, a 32-wide one-layer model, 20 steps.</summary>
    internal static DemoOptions Micro => DemoSettings.Build(quick: true,
    [
        "corpus.clean_documents=300", "corpus.web_chars=30000", "corpus.eval_per_tier=3", "tokenizer.vocab_size=300", "tokenizer.train_chars=60000",
        "model.hidden_size=32", "model.num_hidden_layers=1", "model.num_attention_heads=2", "model.intermediate_size=64",
        "train.seq_len=64", "train.micro_batch=4", "train.max_steps=20", "optim.warmup_steps=4", "eval.interval=10", "eval.accuracy_problems=3",
        "train.threads=1", "seeds=1,2",
        "train.select_ratio=0.5", // the assertions below count halves
    ], "micro");

    private static readonly string[] MicroStages = ["synth", "reference", "score", "clm-s1", "slm-s1", "random-s1", "clm-s2", "slm-s2", "random-s2"];

    internal static DemoOptions With(DemoOptions o, params string[] settings) => DemoSettings.Apply(o, settings, "test");

    [Fact]
    public void Demo_RunsEveryStage_WritesTheSummary_AndARerunSkipsWhatIsFinished()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sift-demo").FullName, "demo");
        var r = new DemoPipeline(Micro).Run(dir);
        Assert.Equal(MicroStages, r.Stages.Select(s => s.Name));
        Assert.Equal([1UL, 2UL], r.Runs.Select(x => x.Seed));
        // Seeds differ (initialisation and data order); the mean is their average.
        Assert.NotEqual(r.Runs[0].Arm("clm")!.CleanLoss, r.Runs[1].Arm("clm")!.CleanLoss);
        Assert.Equal((r.Runs[0].Arm("slm")!.CleanLoss + r.Runs[1].Arm("slm")!.CleanLoss) / 2, r.Arm("slm")!.CleanLoss, 5);
        Assert.All(r.Stages, s => Assert.False(s.Cached));
        foreach (string f in new[] { "report.md", "demo.svg", "summary.json" })
        {
            Assert.True(File.Exists(Path.Combine(dir, f)), f);
        }
        var s = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!.AsObject();
        AssertSchema(s);
        // Equal budgets: every student processed the same tokens; the selective ones trained on half of them.
        long tokens = (long)s["clm"]!["tokens"]!;
        Assert.Equal(20L * 4 * 64, tokens);
        Assert.Equal(tokens, (long)s["slm"]!["tokens"]!);
        Assert.Equal(tokens, (long)s["random"]!["tokens"]!);
        Assert.Equal(tokens, (long)s["clm"]!["trained_tokens"]!);
        Assert.InRange((long)s["slm"]!["trained_tokens"]!, tokens * 0.45, tokens * 0.55);
        // Selection accounting covers the corpus kinds; random keeps about half of each, by construction.
        Assert.InRange((double)s["selected_share_random"]!["clean"]!, 0.35, 0.65);
        Assert.Contains("speedup_tokens", File.ReadAllText(Path.Combine(dir, "summary.json")));
        Assert.Contains("tokens processed", File.ReadAllText(Path.Combine(dir, "report.md")));
        Assert.Contains("## Verdict over seeds", File.ReadAllText(Path.Combine(dir, "report.md")));
        Assert.Equal(r.Verdict.Conclusion, (string)s["conclusion"]!);
        Assert.Equal(2, s["slm"]!["per_seed"]!.AsArray().Count);
        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(dir, "demo.svg")));
        AssertTokenPage(File.ReadAllText(Path.Combine(dir, "tokens.html")), windows: 4, seqLen: 64, ratio: 0.5);

        // A rerun finds every stage finished and reproduces the same numbers.
        var again = new DemoPipeline(Micro).Run(dir);
        Assert.All(again.Stages, st => Assert.True(st.Cached, st.Name));
        Assert.Equal(r.Arms.Select(a => a.CleanLoss), again.Arms.Select(a => a.CleanLoss));

        // Changing the select ratio redoes only the selective students.
        var changed = new DemoPipeline(With(Micro, "train.select_ratio=0.3")).Run(dir);
        Assert.Equal(["synth", "reference", "score", "clm-s1", "clm-s2"], changed.Stages.Where(st => st.Cached).Select(st => st.Name));
        Assert.InRange((double)changed.Arm("slm")!.TrainedTokens / tokens, 0.27, 0.33);
        Assert.Equal(r.Arm("clm")!.CleanLoss, changed.Arm("clm")!.CleanLoss);
    }

    // The token page: every window's tokens, kept ones exactly the top share of excess loss of the micro-batch.
    private static void AssertTokenPage(string html, int windows, int seqLen, double ratio)
    {
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("<script", html);
        var spans = System.Text.RegularExpressions.Regex.Matches(html, "<span class=\"t ([kd])\" data-x=\"([^\"]+)\"")
            .Select(m => (Kept: m.Groups[1].Value == "k", Excess: double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(windows * seqLen, spans.Count); // the micro test's group has 4 windows, all shown
        Assert.Equal((int)Math.Round(ratio * spans.Count), spans.Count(t => t.Kept), 1.0);
        // Brute force: nothing dropped has a larger excess loss than anything kept (4-decimal rounding aside).
        Assert.True(spans.Where(t => !t.Kept).Max(t => t.Excess) <= spans.Where(t => t.Kept).Min(t => t.Excess) + 1e-4);
    }

    [Fact]
    public void Demo_KilledMidStudent_ResumesToTheSameNumbers()
    {
        string root = Directory.CreateTempSubdirectory("sift-demo-kill").FullName;
        var o = With(Micro, "arms=clm,slm", "seeds=1");
        var whole = new DemoPipeline(o).Run(Path.Combine(root, "whole"));

        using var cts = new CancellationTokenSource();
        var killer = new CancelAt(cts, task: "train", trainingRun: 3, step: 10); // reference, clm-s1, then slm-s1 at its step-10 log line
        string dir = Path.Combine(root, "killed");
        Assert.ThrowsAny<OperationCanceledException>(() => new DemoPipeline(o, killer).Run(dir, cts.Token));
        Assert.False(File.Exists(Path.Combine(dir, "summary.json")));
        var resumed = new DemoPipeline(o).Run(dir);
        Assert.Equal(["synth", "reference", "score", "clm-s1"], resumed.Stages.Where(s => s.Cached).Select(s => s.Name));
        foreach (var arm in o.Arms)
        {
            Assert.Equal(whole.Arm(arm.Name)!.Curve, resumed.Arm(arm.Name)!.Curve);
        }
    }

    /// <summary>Cancels when the n-th training run reports a given step (a stand-in for Ctrl-C).</summary>
    private sealed class CancelAt(CancellationTokenSource cts, string task, int trainingRun, long step) : Sift.Core.Reporting.IProgressReporter
    {
        private int _runs;
        private bool _inRun;

        public void Report(string t, long done, long total, string status)
        {
            if (t != task)
            {
                return;
            }
            if (!_inRun)
            {
                _inRun = true;
                _runs++;
            }
            if (_runs == trainingRun && done >= step)
            {
                cts.Cancel();
            }
        }

        public void Line(string text)
        {
        }

        public void Done() => _inRun = false;
    }

    [Fact]
    public void Study_ReusesStages_AndReadsShorterBudgetsOffTheLongestRun()
    {
        string dir = Directory.CreateTempSubdirectory("sift-study").FullName;
        var grid = new StudyGrid(With(Micro, "seeds=1"), [new StudyAxis("student.train.max_steps", ["10", "20"]), new StudyAxis("corpus.noise_share", ["0.7"])], []);
        var r = new StudyPipeline(grid).Run(Path.Combine(dir, "study"));
        Assert.Equal(4, r.Points.Count); // base, steps=10, steps=20 (= base), noise=0.7
        var p10 = r.Points.Single(p => p.Point.Label == "student.train.max_steps=10");
        Assert.Equal(20, p10.RunSteps);
        Assert.Equal(10L * 4 * 64, p10.Result.Arm("clm")!.Tokens);
        // Two corpora (base and 0.7 noise) share the tokenizer and therefore the reference model.
        var noisy = r.Points.Single(p => p.Point.Label == "corpus.noise_share=0.7");
        Assert.Equal(r.Points[0].Result.Stages.Single(s => s.Name == "reference").Folder, noisy.Result.Stages.Single(s => s.Name == "reference").Folder);
        Assert.NotEqual(r.Points[0].Result.Stages.Last(s => s.Name == "synth").Folder, noisy.Result.Stages.Last(s => s.Name == "synth").Folder);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "study", "study.json")))!;
        Assert.Equal(4, json["points"]!.AsArray().Count);
        AssertSchema(json["points"]![1]!["summary"]!.AsObject());
        // The table: the paired SLM − CLM columns for each figure, and every row as wide as the header.
        var table = File.ReadAllLines(Path.Combine(dir, "study", "study.md")).Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        Assert.Contains("slm − clm clean loss | slm − clm answer loss | slm − clm accuracy", table[0]);
        Assert.Equal(5, table.Count); // header and four points
        Assert.All(table, row => Assert.Equal(table[0].Count(c => c == '|'), row.Count(c => c == '|')));
        Assert.True(File.Exists(Path.Combine(dir, "study", "study-student-train-max_steps.svg")));

        // The 10-step point read off the 20-step run equals a real 10-step demo (constant LR: a prefix).
        var ten = new DemoPipeline(With(Micro, "seeds=1", "student.train.max_steps=10")).Run(Path.Combine(dir, "ten"));
        foreach (string arm in new[] { "clm", "slm", "random" })
        {
            Assert.Equal(ten.Arm(arm)!.CleanLoss, p10.Result.Arm(arm)!.CleanLoss);
            Assert.Equal(ten.Arm(arm)!.TrainedTokens, p10.Result.Arm(arm)!.TrainedTokens);
        }
    }

    [Fact]
    public void ContinuedRegime_PretrainsABaseOnGeneralText_AndStartsTheReferenceAndStudentsFromIt()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sift-continued").FullName, "demo");
        var o = With(Micro, "regime=continued", "arms=clm,slm", "seeds=1", "general.chars=20000", "base.train.max_steps=10");
        var r = new DemoPipeline(o).Run(dir);
        Assert.Equal(["synth", "general", "base", "reference", "score", "clm-s1", "slm-s1"], r.Stages.Select(s => s.Name));
        Assert.NotNull(r.Base);
        // The general text is the corpus's noise kinds only: no problems, no math prose.
        var general = (SynthStageResult)r.Stages.Single(s => s.Name == "general").Output;
        Assert.Equal(0, general.WebTokenShares.GetValueOrDefault("clean"));
        Assert.Equal(0, general.WebTokenShares.GetValueOrDefault("math_prose"));
        Assert.Equal(0, general.WebTokenShares.GetValueOrDefault("wrong_context"));
        Assert.True(general.WebTokenShares["prose"] > 0.05);
        // The reference and the students start from the base model's weights.
        string baseModel = ((TrainStageResult)r.Stages.Single(s => s.Name == "base").Output).Model;
        foreach (string stage in new[] { "reference", "clm-s1", "slm-s1" })
        {
            string yaml = File.ReadAllText(Path.Combine(((TrainStageResult)r.Stages.Single(s => s.Name == stage).Output).Run, "recipe.resolved.yaml"));
            Assert.Contains(baseModel, yaml);
        }
        // A different base (more steps) redoes everything after it but not the corpora.
        var again = new DemoPipeline(With(o, "base.train.max_steps=12")).Run(dir);
        Assert.Equal(["synth", "general"], again.Stages.Where(s => s.Cached).Select(s => s.Name));
    }

    [Fact]
    public void Oracle_KeepsOnlyCleanLabelledTokens_WhenTheRatioIsBelowTheCleanShare()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sift-oracle").FullName, "demo");
        var r = new DemoPipeline(With(Micro, "arms=clm,oracle", "train.select_ratio=0.2", "seeds=1")).Run(dir);
        var o = r.Arm("oracle")!;
        Assert.Equal(["synth", "reference", "clm-s1", "oracle-s1"], r.Stages.Select(s => s.Name)); // no scoring without slm
        // Noise is kept only from the few 256-token batches that hold fewer clean tokens than k.
        foreach (string noise in new[] { "boilerplate", "ids", "table", "prose" })
        {
            Assert.True(o.KeptShare(noise) < 0.1, $"{noise}: {o.KeptShare(noise)}");
        }
        Assert.True(o.CleanShareOfKept > 0.8 && o.CleanShareOfKept > 1.8 * DemoSummary.CleanCorpusShare(r), $"{o.CleanShareOfKept}");
        Assert.InRange(o.KeptShare("clean"), 0.3, 0.7); // 0.2 of all tokens out of ~0.4 clean
    }

    /// <summary>The fields the schema names, with the right types.</summary>
    internal static void AssertSchema(JsonObject s)
    {
        Assert.Equal("sift-demo", (string)s["format"]!);
        foreach (string arm in new[] { "clm", "slm", "random" })
        {
            var a = s[arm]!.AsObject();
            Assert.True((long)a["tokens"]! > 0, arm);
            Assert.True(double.IsFinite((double)a["clean_loss"]!), arm);
            Assert.InRange((double)a["accuracy"]!, 0, 1);
        }
        Assert.True(s.ContainsKey("speedup_tokens"));
        Assert.True(s.ContainsKey("speedup_selected_tokens"));
        Assert.True(s["speedup_tokens"] is null || (double)s["speedup_tokens"]! > 0);
        var sel = s["selected_share"]!.AsObject();
        Assert.True(sel.ContainsKey("clean") && sel.ContainsKey("boilerplate"));
        Assert.All(sel, kv => Assert.True(kv.Value is null || (double)kv.Value >= 0 && (double)kv.Value <= 1, kv.Key)); // null: kind not seen
        var flops = s["flops"]!.AsObject();
        Assert.True((double)flops["reference_training"]! > 0 && (double)flops["scoring"]! > 0 && (double)flops["slm_with_reference"]! > (double)flops["slm"]!);
        var stages = s["stages"]!.AsArray();
        Assert.Equal(MicroStages.Where(n => !n.EndsWith("-s2", StringComparison.Ordinal) || stages.Count > 6), stages.Select(x => (string)x!["name"]!));
        Assert.True(s["verdict"]!["metrics"]!["clean_loss"]!["arms"]!["slm"]!["difference_from_clm"] is JsonObject);
        Assert.All(stages, x => Assert.True((double)x!["seconds"]! >= 0));
        Assert.True((double)s["wall_seconds"]! >= 0);
    }
}
