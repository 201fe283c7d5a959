using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Data;
using Sift.Engine.Checkpoint;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Tests.Training;

public sealed class TrainingRunTests
{
    internal static string PackCorpus(string dir)
    {
        string input = Path.Combine(dir, "corpus.jsonl");
        var lines = Enumerable.Range(0, 60).Select(i => new JsonObject { ["text"] = $"{i % 7} plus {i % 5} equals {i % 7 + i % 5}. " }.ToJsonString());
        File.WriteAllLines(input, lines);
        string data = Path.Combine(dir, "data");
        new ShardPacker(new ByteTokenizer(), new PackOptions { Threads = 1 }).Pack([input], data);
        return data;
    }

    private static string[] Sets(string data, string outDir, int steps) =>
    [
        $"data.train={data}", $"out_dir={outDir}", "model.preset=tiny", "model.hidden_size=32", "model.intermediate_size=64",
        "model.num_hidden_layers=2", "model.num_attention_heads=2", "model.num_key_value_heads=1",
        "train.seq_len=16", "train.micro_batch=4", "train.grad_accum=2", $"train.max_steps={steps}", "train.threads=2",
        "optim.lr=0.01", "optim.warmup_steps=2", "log.interval=1", "eval.interval=3", "eval.batches=2",
        "checkpoint.interval=3", "data.holdout_every=10",
    ];

    [Fact]
    public void KilledAndResumedRun_FollowsTheSameTrajectoryBitExactly()
    {
        string dir = Directory.CreateTempSubdirectory("sift-train").FullName;
        string data = PackCorpus(dir);

        var full = new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "a"), 8))).Execute(resume: false);
        Assert.Equal(8, full.Steps);

        var first = new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "b"), 8))) { StopAfterSteps = 5 }.Execute(resume: false);
        Assert.True(first.Stopped);
        Assert.Equal(5, first.Steps);
        var second = new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "b"), 8))).Execute(resume: true);
        Assert.Equal(8, second.Steps);
        Assert.Equal(full.Tokens, second.Tokens);

        string La(string run) => string.Join("\n", File.ReadAllLines(Path.Combine(dir, run, "metrics.jsonl"))
            .Select(l => JsonNode.Parse(l)!).Select(o => $"{o["step"]} {o["loss"]} {o["eval_loss"]} {o["grad_norm"]}"));
        Assert.Equal(La("a"), La("b"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", "model", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(dir, "b", "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "a", "loss.svg")));
        Assert.Contains("<polyline", File.ReadAllText(Path.Combine(dir, "a", "loss.svg")));
        // keep = 2: only the newest two checkpoints remain.
        Assert.Equal(2, new CheckpointStore(Path.Combine(dir, "a")).List().Count);
    }

    [Fact]
    public void Training_ReducesLoss_AndWritesALoadableModel()
    {
        string dir = Directory.CreateTempSubdirectory("sift-train").FullName;
        string data = PackCorpus(dir);
        var s = new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "r"), 40))).Execute(resume: false);
        var records = File.ReadAllLines(Path.Combine(dir, "r", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).Where(o => o["loss"] is not null).ToList();
        double firstLoss = (double)records[0]["loss"]!;
        Assert.True(s.FinalLoss < firstLoss * 0.6, $"loss {firstLoss} -> {s.FinalLoss}");
        Assert.True(Math.Abs(firstLoss - Math.Log(257)) < 0.3, $"initial loss {firstLoss} should be near ln(257)");
        using var model = HfModelFolder.Load(s.ModelDir);
        Assert.Equal(257, model.Config.VocabSize);
        Assert.All(records, r => Assert.NotNull(r["tokens_per_s"]));
    }

    [Fact]
    public void FreshRun_RefusesToOverwriteCheckpoints()
    {
        string dir = Directory.CreateTempSubdirectory("sift-train").FullName;
        string data = PackCorpus(dir);
        new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "r"), 2))).Execute(resume: false);
        var ex = Assert.Throws<SiftException>(() => new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "r"), 2))).Execute(resume: false));
        Assert.Contains("--resume", ex.Message);
    }

    [Fact]
    public void Recipe_ErrorsNameTheKey()
    {
        string dir = Directory.CreateTempSubdirectory("sift-recipe").FullName;
        string path = Path.Combine(dir, "r.yaml");
        File.WriteAllText(path, "data:\n  train: x\ntrain:\n  seq_len: abc\n");
        var ex = Assert.Throws<SiftException>(() => TrainRecipe.Load(path, []));
        Assert.Contains("r.yaml:4", ex.Message);
        Assert.Contains("train.seq_len", ex.Message);

        File.WriteAllText(path, "data:\n  train: x\ntrain:\n  learning_rate: 3\n");
        ex = Assert.Throws<SiftException>(() => TrainRecipe.Load(path, []));
        Assert.Contains("unknown key 'train.learning_rate'", ex.Message);

        ex = Assert.Throws<SiftException>(() => TrainRecipe.Load(path, ["train.learning_rate"]));
        Assert.Contains("--set", ex.Message);

        var ok = TrainRecipe.Load(null, ["data.train=x", "train.max_tokens=10000", "train.seq_len=100", "train.micro_batch=10"]);
        Assert.Equal(10, ok.MaxSteps);
    }

    [Fact]
    public unsafe void NonFiniteLoss_StopsWithClearMessage()
    {
        string dir = Directory.CreateTempSubdirectory("sift-train").FullName;
        string data = PackCorpus(dir);
        var s = new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "r"), 2))).Execute(resume: false);
        string poisoned = Path.Combine(dir, "poisoned");
        using (var model = HfModelFolder.Load(s.ModelDir))
        {
            model.Weights.Ptr[model.Layout.FinalNorm] = float.NaN;
            HfModelFolder.Save(model, poisoned);
        }
        var sets = Sets(data, Path.Combine(dir, "p"), 4).Where(x => !x.StartsWith("model.", StringComparison.Ordinal)).Append($"model.init_from={poisoned}").ToArray();
        var ex = Assert.Throws<SiftException>(() => new TrainingRun(TrainRecipe.Load(null, sets)).Execute(resume: false));
        Assert.Contains("step 1", ex.Message);
        Assert.Contains("NaN", ex.Message);
        Assert.Contains("last good checkpoint", ex.Message);
        Assert.Empty(new CheckpointStore(Path.Combine(dir, "p")).List());
    }

    [Fact]
    public void DamagedCheckpoint_RefusesToResume_NamingTheFile()
    {
        string dir = Directory.CreateTempSubdirectory("sift-train").FullName;
        string data = PackCorpus(dir);
        string run = Path.Combine(dir, "r");
        new TrainingRun(TrainRecipe.Load(null, Sets(data, run, 8))) { StopAfterSteps = 3 }.Execute(resume: false);
        string ckpt = new CheckpointStore(run).Latest()!;
        Assert.True(File.Exists(Path.Combine(ckpt, CheckpointChecksums.FileName)));
        string opt = Path.Combine(ckpt, "optimizer.safetensors");
        byte[] bytes = File.ReadAllBytes(opt);

        // One flipped byte in the AdamW moments: same size, different SHA-256.
        bytes[^5] ^= 0x40;
        File.WriteAllBytes(opt, bytes);
        var ex = Assert.Throws<SiftException>(() => new TrainingRun(TrainRecipe.Load(null, Sets(data, run, 8))).Execute(resume: true));
        Assert.Contains("optimizer.safetensors", ex.Message);
        Assert.Contains("SHA-256", ex.Message);

        // Truncated: the size that was expected is named.
        File.WriteAllBytes(opt, bytes[..^100]);
        ex = Assert.Throws<SiftException>(() => new TrainingRun(TrainRecipe.Load(null, Sets(data, run, 8))).Execute(resume: true));
        Assert.Contains("optimizer.safetensors", ex.Message);
        Assert.Contains($"expected {bytes.Length}", ex.Message);
    }
}
