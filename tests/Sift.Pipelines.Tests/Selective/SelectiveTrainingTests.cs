using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Inference;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Tests.Training;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Tests.Selective;

public sealed class SelectiveTrainingTests
{
    private static string RefModel(string dir)
    {
        var cfg = new LlamaConfig
        {
            VocabSize = 257,
            HiddenSize = 16,
            IntermediateSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            HeadDim = 8,
            MaxPositionEmbeddings = 64,
            TieWordEmbeddings = true,
            EosTokenId = 256,
        };
        using var m = new LlamaModel(cfg);
        m.InitRandom(42, std: 0.2f);
        string path = Path.Combine(dir, "ref");
        HfModelFolder.Save(m, path);
        return path;
    }

    private static Compute Cx => new(GemmFactory.Create("managed", 2), 2);

    [Fact]
    public void CorpusScores_MatchIndependentInference_AndPartsEqualOneRun()
    {
        string dir = Directory.CreateTempSubdirectory("sift-score").FullName;
        string data = TrainingRunTests.PackCorpus(dir);
        string refDir = RefModel(dir);
        using var model = HfModelFolder.Load(refDir);
        const int T = 16;
        var one = new CorpusScorer(model, Cx, refDir).Run(data, Path.Combine(dir, "s1"), new CorpusScoreOptions(T, Batch: 3, DType: "float32"));
        Assert.True(one.Complete);
        new CorpusScorer(model, Cx, refDir).Run(data, Path.Combine(dir, "s3"), new CorpusScoreOptions(T, 5, "float32", Part: 2, Parts: 3));
        new CorpusScorer(model, Cx, refDir).Run(data, Path.Combine(dir, "s3"), new CorpusScoreOptions(T, 5, "float32", Part: 0, Parts: 3));
        var last = new CorpusScorer(model, Cx, refDir).Run(data, Path.Combine(dir, "s3"), new CorpusScoreOptions(T, 5, "float32", Part: 1, Parts: 3));
        Assert.True(last.Complete);

        using var ds = TokenDataset.Open(data);
        using var s1 = ReferenceScores.Open(Path.Combine(dir, "s1"), ds, T);
        using var s3 = ReferenceScores.Open(Path.Combine(dir, "s3"), ds, T);
        var a = new float[ds.TotalTokens];
        var b = new float[ds.TotalTokens];
        s1.Read(0, a);
        s3.Read(0, b);
        Assert.Equal(a, b);
        Assert.Equal(0f, a[0]);

        // Window 2 through the KV-cache inference path: its targets are positions 2T+1 .. 3T.
        var tokens = new int[T + 1];
        ds.ReadTokens(2 * T, tokens);
        using var session = new InferenceSession(model, 1, T + 1, Compute.Reference);
        var losses = new float[T + 1];
        session.Prefill(0, tokens, new float[257], losses);
        for (int j = 0; j < T; j++)
        {
            Assert.True(Math.Abs(losses[j] - a[2 * T + 1 + j]) < 1e-4, $"position {2 * T + 1 + j}: {losses[j]} vs {a[2 * T + 1 + j]}");
        }
        // The last (partial) window is scored too: every position after 0 has a positive loss.
        Assert.All(a.Skip(1), v => Assert.True(v > 0));
    }

    [Fact]
    public void InterruptedScoring_ResumesToTheSameResult()
    {
        string dir = Directory.CreateTempSubdirectory("sift-score").FullName;
        string data = TrainingRunTests.PackCorpus(dir);
        string refDir = RefModel(dir);
        using var model = HfModelFolder.Load(refDir);
        var opts = new CorpusScoreOptions(16, Batch: 2, DType: "float16");
        new CorpusScorer(model, Cx, refDir).Run(data, Path.Combine(dir, "full"), opts);

        using var cts = new CancellationTokenSource();
        var killer = new CancelAfter(cts, 3);
        Assert.ThrowsAny<OperationCanceledException>(() => new CorpusScorer(model, Cx, refDir, killer).Run(data, Path.Combine(dir, "resumed"), opts, cts.Token));
        Assert.False(ScoresManifest.TryLoad(Path.Combine(dir, "resumed"))!.Complete);
        var again = new CorpusScorer(model, Cx, refDir).Run(data, Path.Combine(dir, "resumed"), opts);
        Assert.True(again.Complete);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "full", "side-00000.bin")), File.ReadAllBytes(Path.Combine(dir, "resumed", "side-00000.bin")));
    }

    [Fact]
    public void MismatchedScores_AreRefusedNamingBoth()
    {
        string dir = Directory.CreateTempSubdirectory("sift-score").FullName;
        string data = TrainingRunTests.PackCorpus(dir);
        string refDir = RefModel(dir);
        using var model = HfModelFolder.Load(refDir);
        new CorpusScorer(model, Cx, refDir).Run(data, Path.Combine(dir, "s"), new CorpusScoreOptions(16));
        using var ds = TokenDataset.Open(data);
        var ex = Assert.Throws<SiftException>(() => ReferenceScores.Open(Path.Combine(dir, "s"), ds, 32));
        Assert.Contains("seq_len=32", ex.Message);
        Assert.Contains("16", ex.Message);
        Assert.Throws<SiftException>(() => new CorpusScorer(model, Cx, refDir).Run(data, Path.Combine(dir, "s"), new CorpusScoreOptions(16, DType: "float32")));
    }

    private static string[] Sets(string data, string outDir, string objective, double ratio, string? scores) =>
    [
        $"data.train={data}", $"out_dir={outDir}", "model.preset=tiny", "model.hidden_size=32", "model.intermediate_size=64",
        "model.num_hidden_layers=1", "model.num_attention_heads=2", "model.num_key_value_heads=2",
        "train.seq_len=16", "train.micro_batch=4", "train.grad_accum=2", "train.max_steps=6", "train.threads=2", "train.gemm=managed",
        "optim.lr=0.01", "log.interval=1", "eval.interval=0", "checkpoint.interval=0", "data.holdout_every=0",
        $"train.objective={objective}", $"train.select_ratio={ratio}", .. scores is null ? Array.Empty<string>() : [$"data.ref_scores={scores}"],
    ];

    [Fact]
    public void SlmWithRatioOne_IsExactlyClm_AndSlmSelectsTheRequestedShare()
    {
        string dir = Directory.CreateTempSubdirectory("sift-slm").FullName;
        string data = TrainingRunTests.PackCorpus(dir);
        string refDir = RefModel(dir);
        using (var model = HfModelFolder.Load(refDir))
        {
            new CorpusScorer(model, Cx, refDir).Run(data, Path.Combine(dir, "scores"), new CorpusScoreOptions(16));
        }
        string scores = Path.Combine(dir, "scores");
        new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "clm"), "clm", 1, null))).Execute(false);
        new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "slm1"), "slm", 1, scores))).Execute(false);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "clm", "model", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(dir, "slm1", "model", "model.safetensors")));

        var run = new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "slm"), "slm", 0.6, scores)));
        var s = run.Execute(false);
        var rows = File.ReadAllLines(Path.Combine(dir, "slm", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).Where(r => r["loss"] is not null).ToList();
        Assert.All(rows, r => Assert.Equal(38.0 / 64, (double)r["selected_fraction"]!, 5)); // round(0.6 · 64) = 38 per micro-batch
        long trained = (long)rows[^1]["trained_tokens"]!;
        Assert.Equal((long)Math.Round(0.6 * 64) * 2 * 6, trained);
        Assert.True((double)rows[0]["loss_selected"]! > (double)rows[0]["loss_unselected"]! - 10); // both logged and finite
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(dir, "clm", "model", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(dir, "slm", "model", "model.safetensors")));
        Assert.Equal(6, s.Steps);
        // The cost of selection is measured inside the step time it is part of.
        Assert.True(s.StepSeconds > 0 && s.ObjectiveSeconds > 0 && s.ObjectiveSeconds < s.StepSeconds, $"{s.ObjectiveSeconds} of {s.StepSeconds}");
        Assert.All(rows, r => Assert.InRange((double)r["objective_share"]!, 0.0, 1.0));
        // Position buckets count every token once and the selected ones exactly.
        Assert.All(rows, r =>
        {
            var pos = (JsonArray)r["selected_position_counts"]!;
            Assert.Equal(16, pos.Count);
            Assert.Equal(128, pos.Sum(b => (long)b![1]!)); // one step of 2 micro-batches × 4 windows × 16 tokens
            Assert.Equal(2 * 38, pos.Sum(b => (long)b![0]!));
        });
    }

    [Fact]
    public void RandomSelection_ResumesExactly()
    {
        string dir = Directory.CreateTempSubdirectory("sift-rand").FullName;
        string data = TrainingRunTests.PackCorpus(dir);
        new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "a"), "random", 0.5, null))).Execute(false);
        new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "b"), "random", 0.5, null))) { StopAfterSteps = 3 }.Execute(false);
        new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "b"), "random", 0.5, null))).Execute(true);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", "model", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(dir, "b", "model", "model.safetensors")));
    }

    [Fact]
    public void SelectRatioOutOfRange_IsAnError()
    {
        var ex = Assert.Throws<SiftException>(() => TrainRecipe.Load(null, ["data.train=x", "train.objective=random", "train.select_ratio=1.5"]));
        Assert.Contains("train.select_ratio", ex.Message);
        ex = Assert.Throws<SiftException>(() => TrainRecipe.Load(null, ["data.train=x", "train.objective=slm"]));
        Assert.Contains("data.ref_scores", ex.Message);
    }

    private sealed class CancelAfter(CancellationTokenSource cts, int reports) : IProgressReporter
    {
        private int _n;

        public void Report(string task, long done, long total, string status)
        {
            if (++_n >= reports)
            {
                cts.Cancel();
            }
        }

        public void Line(string text)
        {
        }

        public void Done()
        {
        }
    }
}
