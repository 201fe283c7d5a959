using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Kernels.Gemm;
using Sift.Pipelines.Analysis;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Synth;
using Sift.Pipelines.Tests.Synth;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Tests.Analysis;

public sealed class RunAnalyzerTests
{
    private static string[] Model(string outDir, string data, int steps) =>
    [
        $"data.train={data}", $"out_dir={outDir}", "model.preset=tiny", "model.hidden_size=32", "model.intermediate_size=64",
        "model.num_hidden_layers=1", "model.num_attention_heads=2", "model.num_key_value_heads=2", "train.seq_len=32",
        "train.micro_batch=4", $"train.max_steps={steps}", "train.threads=2", "train.gemm=managed", "optim.lr=0.01", "log.interval=2",
        "eval.interval=0",
    ];

    [Fact]
    public void Analyze_SlmRun_GivesCategoriesByLabel_AndReplaysSelection()
    {
        string dir = Directory.CreateTempSubdirectory("sift-analyze").FullName;
        var synth = new SynthPipeline(SynthPipelineTests.Small(8) with { Corpus = SynthPipelineTests.Small(8).Corpus with { WebChars = 60_000 } }).Run(Path.Combine(dir, "synth"));
        var reference = new TrainingRun(TrainRecipe.Load(null, [.. Model(Path.Combine(dir, "ref"), synth.CleanTokens!, 30), "checkpoint.interval=0"])).Execute(resume: false);
        string scores = Path.Combine(dir, "scores");
        using (var m = HfModelFolder.Load(reference.ModelDir))
        {
            new CorpusScorer(m, new Compute(GemmFactory.Create("managed", 2), 2), reference.ModelDir).Run(synth.WebTokens!, scores, new CorpusScoreOptions(32));
        }
        string run = Path.Combine(dir, "slm");
        new TrainingRun(TrainRecipe.Load(null,
        [
            .. Model(run, synth.WebTokens!, 12), "train.objective=slm", $"data.ref_scores={scores}", $"data.labels={synth.WebLabels}",
            "checkpoint.interval=4", "checkpoint.keep=0", "data.holdout_every=5",
        ])).Execute(resume: false);
        Assert.Equal(3, new CheckpointStore(run).List().Count); // keep: 0 keeps every checkpoint

        var r = new RunAnalyzer(new AnalysisOptions { RunDir = run, Tokens = 2048 }).Run();
        var s = r.Summary;
        Assert.Equal(2048, (int)s["tokens_analyzed"]!);
        Assert.Contains("held-out windows (every 5th)", (string)s["source"]!);
        var shares = (JsonObject)s["dynamics"]!["shares"]!;
        Assert.Equal(1.0, shares.Sum(kv => (double)kv.Value!), 5);
        var byLabel = (JsonObject)s["dynamics"]!["by_label"]!;
        Assert.Contains("clean", byLabel.Select(kv => kv.Key));
        Assert.Contains("boilerplate", byLabel.Select(kv => kv.Key));
        Assert.Equal(2048, byLabel.Sum(kv => (int)kv.Value!["tokens"]!));
        Assert.All(byLabel, kv => Assert.Equal(1.0, new[] { "H->H", "L->H", "H->L", "L->L" }.Sum(k => (double)kv.Value![k]!), 5));
        Assert.Equal(3, ((JsonArray)s["dynamics"]!["trajectory"]!["H->L"]!).Count);

        var trained = (JsonObject)s["selection"]!["training"]!["by_label"]!;
        Assert.Contains("clean", trained.Select(kv => kv.Key));
        // What training selected by position in the window, pooled exactly from the metrics: 16 shares that average to the ratio.
        var trainedPos = (JsonArray)s["selection"]!["training"]!["by_position"]!;
        Assert.Equal(16, trainedPos.Count);
        Assert.All(trainedPos, v => Assert.InRange((double)v!, 0.0, 1.0));
        var replay = s["selection"]!["replay"]!;
        var perCheckpoint = (JsonArray)replay["per_checkpoint"]!;
        Assert.Equal(3, perCheckpoint.Count);
        Assert.Equal(16, ((JsonArray)perCheckpoint[0]!["by_position"]!).Count);
        // k = 0.6 of each 4 × 32-token group, so 60% of analysed tokens are selected in every replay.
        foreach (var c in perCheckpoint)
        {
            double mean = ((JsonArray)c!["by_position"]!).Average(v => (double)v!);
            Assert.Equal(0.6, mean, 2);
        }
        foreach (string chart in new[] { "dynamics.svg", "dynamics-loss.svg", "selection-by-label.svg", "selection-by-position.svg", "selection-over-time.svg" })
        {
            string p = Path.Combine(r.OutDir, chart);
            Assert.True(File.Exists(p), chart);
            Assert.StartsWith("<svg", File.ReadAllText(p));
        }
        Assert.Contains("<rect x=", File.ReadAllText(Path.Combine(r.OutDir, "dynamics.svg")));
        Assert.True(File.Exists(r.SummaryPath));

        // One checkpoint is not enough, and the error says how to keep them.
        var ex = Assert.Throws<SiftException>(() => new RunAnalyzer(new AnalysisOptions { RunDir = Path.Combine(dir, "ref") }).Run());
        Assert.Contains("checkpoint.keep: 0", ex.Message);
        Assert.Contains("recipe.resolved.yaml", Assert.Throws<SiftException>(() => new RunAnalyzer(new AnalysisOptions { RunDir = dir }).Run()).Message);
    }
}
