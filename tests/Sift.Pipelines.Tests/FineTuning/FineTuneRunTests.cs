using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Data.Examples;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Training;
using Sift.Pipelines.Training.FineTuning;

namespace Sift.Pipelines.Tests.FineTuning;

/// <summary>Whole runs of train.objective sft, dpo and kto on small example datasets, and gradient-mask tuning.</summary>
public sealed class FineTuneRunTests
{
    // "a+b=" → the sum; rejected / undesirable answers are off by one.
    private static IEnumerable<(string Prompt, string Right, string Wrong)> Problems(int n) =>
        Enumerable.Range(0, n).Select(i => ($"{i % 7}+{i % 5}=", $"{(i % 7) + (i % 5)}", $"{(i % 7) + (i % 5) + 1}"));

    internal static string PackExamples(string dir, ExampleKind kind, int n = 48)
    {
        var lines = kind switch
        {
            ExampleKind.Sft => Problems(n).Select(p => new JsonObject { ["prompt"] = p.Prompt, ["completion"] = p.Right }),
            ExampleKind.Pairs => Problems(n).Select(p => new JsonObject { ["prompt"] = p.Prompt, ["chosen"] = p.Right, ["rejected"] = p.Wrong }),
            _ => Problems(n).Select((p, i) => new JsonObject { ["prompt"] = p.Prompt, ["completion"] = i % 2 == 0 ? p.Right : p.Wrong, ["label"] = i % 2 == 0 }),
        };
        string input = Path.Combine(dir, kind.Name() + ".jsonl");
        File.WriteAllLines(input, lines.Select(l => l.ToJsonString()));
        string output = Path.Combine(dir, kind.Name());
        new ExamplePacker(new ByteTokenizer(), new ExamplePackOptions { Kind = kind, Threads = 1 }).Pack([input], output);
        return output;
    }

    private static string[] Sets(string data, string outDir, string objective, int steps, params string[] more) =>
    [
        $"data.train={data}", $"out_dir={outDir}", $"train.objective={objective}", "model.preset=tiny", "model.hidden_size=32", "model.intermediate_size=64",
        "model.num_hidden_layers=2", "model.num_attention_heads=2", "model.num_key_value_heads=1",
        "train.seq_len=16", "train.micro_batch=4", "train.grad_accum=2", $"train.max_steps={steps}", "train.threads=2",
        "optim.lr=0.01", "optim.warmup_steps=2", "log.interval=1", "eval.interval=5", "eval.batches=2", "checkpoint.interval=3",
        "data.holdout_every=8", .. more,
    ];

    private static List<JsonNode> Records(string runDir) =>
        [.. File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!)];

    private static List<JsonNode> TrainRecords(string runDir) => [.. Records(runDir).Where(o => o["loss"] is not null)];

    [Fact]
    public void Sft_LearnsTheAnswers_PackedOrNot_FromLnVocab()
    {
        string dir = Directory.CreateTempSubdirectory("sift-sft").FullName;
        string data = PackExamples(dir, ExampleKind.Sft);
        foreach (bool pack in new[] { false, true })
        {
            string run = Path.Combine(dir, pack ? "packed" : "rows");
            var s = new TrainingRun(TrainRecipe.Load(null, Sets(data, run, "sft", 40, $"train.pack={pack}".ToLowerInvariant()))).Execute(resume: false);
            var train = TrainRecords(run);
            double first = (double)train[0]["loss"]!;
            Assert.True(Math.Abs(first - Math.Log(257)) < 0.3, $"initial completion loss {first} should be near ln 257");
            var evals = Records(run).Where(o => o["eval_loss"] is not null).Select(o => (double)o["eval_loss"]!).ToList();
            Assert.True(evals[^1] < evals[0] * 0.6, $"pack={pack}: held-out completion loss {evals[0]} -> {evals[^1]}");
            // Completions are 1-2 digits + EOS: only those targets train (a prompt holds 4 tokens, never counted).
            long trainedPerStep = (long)train[0]["trained_tokens"]!;
            Assert.InRange(trainedPerStep, pack ? 9 : 8 * 2, pack ? 8 * 5 * 3 : 8 * 3);
            Assert.True(s.Steps == 40);
        }
        // Packing puts several examples per row, so the same steps train more completion tokens.
        Assert.True((long)TrainRecords(Path.Combine(dir, "packed"))[0]["trained_tokens"]! > (long)TrainRecords(Path.Combine(dir, "rows"))[0]["trained_tokens"]!);
    }

    [Fact]
    public void Dpo_StartsAtLn2_LearnsThePreference_AndResumesBitExactly()
    {
        string dir = Directory.CreateTempSubdirectory("sift-dpo").FullName;
        string data = PackExamples(dir, ExampleKind.Pairs);
        var full = new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "a"), "dpo", 60, "pref.beta=0.5"))).Execute(resume: false);
        var train = TrainRecords(Path.Combine(dir, "a"));
        // At step 1 the policy is the reference (the initial model): Δ = 0 and the loss is ln 2.
        Assert.Equal(Math.Log(2), (double)train[0]["loss"]!, 5);
        double late = train.TakeLast(10).Average(o => (double)o["loss"]!);
        Assert.True(late < 0.55, $"DPO loss over the last 10 steps {late} (ln 2 = 0.693 at the start)");
        double accuracy = train.TakeLast(10).Average(o => (double)o["preference"]!["reward_accuracy"]!);
        Assert.True(accuracy >= 0.75, $"reward accuracy over the last 10 steps {accuracy}");
        Assert.True(train.TakeLast(10).Average(o => (double)o["preference"]!["reward_margin"]!) > 0);
        Assert.True(File.Exists(Path.Combine(dir, "a", ReferenceLogProbs.FileName)));

        new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "b"), "dpo", 60, "pref.beta=0.5"))) { StopAfterSteps = 4 }.Execute(resume: false);
        new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "b"), "dpo", 60, "pref.beta=0.5"))).Execute(resume: true);
        string L(string run) => string.Join("\n", TrainRecords(Path.Combine(dir, run)).Select(o => $"{o["step"]} {o["loss"]} {o["grad_norm"]}"));
        Assert.Equal(L("a"), L("b"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", "model", "model.safetensors")), File.ReadAllBytes(Path.Combine(dir, "b", "model", "model.safetensors")));
    }

    [Theory]
    [InlineData("ipo")]
    [InlineData("hinge")]
    public void IpoAndHinge_StartAtTheirClosedForms_AndDecrease(string which)
    {
        string dir = Directory.CreateTempSubdirectory("sift-ipo").FullName;
        string data = PackExamples(dir, ExampleKind.Pairs);
        string[] sets = which == "ipo" ? Sets(data, Path.Combine(dir, "r"), "ipo", 60, "pref.beta=0.5", "optim.lr=0.002") : Sets(data, Path.Combine(dir, "r"), "dpo", 60, "pref.beta=0.5", "pref.loss=hinge");
        new TrainingRun(TrainRecipe.Load(null, sets)).Execute(resume: false);
        var train = TrainRecords(Path.Combine(dir, "r"));
        double first = (double)train[0]["loss"]!;
        // Δ = 0 at the start: IPO (0 − 1/(2β))² = 1, hinge max(0, 1 − 0) = 1.
        Assert.Equal(1.0, first, 5);
        double late = train.TakeLast(10).Average(o => (double)o["loss"]!);
        Assert.True(late < first * 0.95, $"{which}: {first} -> {late} over the last 10 steps");
        Assert.True(train.TakeLast(10).Average(o => (double)o["preference"]!["reward_margin"]!) > 0, $"{which}: the chosen answers should gain on the rejected");
    }

    [Fact]
    public void Kto_StartsAtHalfTheWeights_LogsTheKl_AndLearns()
    {
        string dir = Directory.CreateTempSubdirectory("sift-kto").FullName;
        string data = PackExamples(dir, ExampleKind.Kto);
        new TrainingRun(TrainRecipe.Load(null, Sets(data, Path.Combine(dir, "r"), "kto", 60, "pref.beta=0.5", "kto.desirable_weight=1.0", "kto.undesirable_weight=1.0"))).Execute(resume: false);
        var train = TrainRecords(Path.Combine(dir, "r"));
        // r = 0 and z0 = 0 at the start: every example costs λ·(1 − σ(0)) = 0.5.
        Assert.Equal(0.5, (double)train[0]["loss"]!, 5);
        Assert.Equal(0.0, (double)train[0]["preference"]!["kl"]!, 5);
        double late = train.TakeLast(10).Average(o => (double)o["loss"]!);
        Assert.True(late < 0.4, $"KTO loss over the last 10 steps {late}");
        Assert.All(train, o => Assert.True((double)o["preference"]!["kl"]! >= 0));
    }

    [Fact]
    public void ReferenceFromPerDocumentScores_EqualsTheInitialModels()
    {
        string dir = Directory.CreateTempSubdirectory("sift-ref").FullName;
        string data = PackExamples(dir, ExampleKind.Pairs, n: 20);
        string init = Path.Combine(dir, "init");
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
        using (var m = new LlamaModel(cfg))
        {
            m.InitRandom(42, std: 0.2f);
            HfModelFolder.Save(m, init);
        }
        string scores = Path.Combine(dir, "scores");
        using (var model = HfModelFolder.Load(init))
        {
            new CorpusScorer(model, new Compute(GemmFactory.Create("managed", 2), 2), init).Run(data, scores, new CorpusScoreOptions(0, Batch: 3, DType: "float32", PerDocument: true));
        }
        string[] common = [$"data.train={data}", "train.objective=dpo", $"model.init_from={init}", "train.seq_len=16", "train.micro_batch=4",
            "train.max_steps=1", "train.threads=2", "data.holdout_every=0", "optim.lr=0.001"];
        var inRun = new TrainingRun(TrainRecipe.Load(null, [.. common, $"out_dir={Path.Combine(dir, "a")}"])).Execute(resume: false);
        var fromScores = new TrainingRun(TrainRecipe.Load(null, [.. common, $"out_dir={Path.Combine(dir, "b")}", $"data.ref_scores={scores}"])).Execute(resume: false);
        Assert.Equal(Math.Log(2), inRun.FinalLoss, 5);
        Assert.Equal(inRun.FinalLoss, fromScores.FinalLoss, 5);

        double[] stored = MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(dir, "a", ReferenceLogProbs.FileName))).ToArray();
        using var set = ExampleSet.Open(data);
        var viaScores = ReferenceLogProbs.FromScores(scores, set);
        Assert.Equal(set.Tokens.DocumentCount, stored.Length);
        for (long d = 0; d < stored.Length; d++)
        {
            Assert.True(Math.Abs(stored[d] - viaScores.Document(d)) < 1e-4, $"document {d}: {stored[d]} stored vs {viaScores.Document(d)} from scores");
            Assert.True(stored[d] < 0);
        }
    }

    [Fact]
    public void WrongExampleKind_AndPackingOutsideSft_AreNamedErrors()
    {
        string dir = Directory.CreateTempSubdirectory("sift-kind").FullName;
        string sft = PackExamples(dir, ExampleKind.Sft, n: 8);
        var ex = Assert.Throws<SiftException>(() => new TrainingRun(TrainRecipe.Load(null, Sets(sft, Path.Combine(dir, "r"), "dpo", 2))).Execute(resume: false));
        Assert.Contains("data.train", ex.Message);
        Assert.Contains("--format pairs", ex.Message);
        var bad = Assert.Throws<SiftException>(() => TrainRecipe.Load(null, Sets(sft, Path.Combine(dir, "k"), "kto", 2, "train.pack=true")));
        Assert.Contains("train.pack", bad.Message);
    }

    [Fact]
    public void GradientMask_LeavesOnlyTheLargestGradientsOfEachTensorToMove()
    {
        string dir = Directory.CreateTempSubdirectory("sift-gmt").FullName;
        string data = PackExamples(dir, ExampleKind.Sft, n: 16);
        string init = Path.Combine(dir, "init");
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
            TieWordEmbeddings = false,
            EosTokenId = 256,
        };
        using (var m = new LlamaModel(cfg))
        {
            m.InitRandom(7, std: 0.2f);
            HfModelFolder.Save(m, init);
        }
        // One AdamW step with no weight decay moves exactly the entries whose gradient survived the mask.
        var s = new TrainingRun(TrainRecipe.Load(null, [$"data.train={data}", $"out_dir={Path.Combine(dir, "r")}", "train.objective=sft", $"model.init_from={init}",
            "train.seq_len=16", "train.micro_batch=4", "train.max_steps=1", "train.threads=2", "data.holdout_every=0", "optim.weight_decay=0",
            "optim.warmup_steps=0", "optim.gmt_percentile=0.9"])).Execute(resume: false);
        using var before = HfModelFolder.Load(init);
        using var after = HfModelFolder.Load(s.ModelDir);
        long moved = 0;
        foreach (var t in before.Layout.Tensors)
        {
            int changed = 0;
            unsafe
            {
                for (long i = t.Offset; i < t.Offset + t.Length; i++)
                {
                    changed += before.Weights.Ptr[i] != after.Weights.Ptr[i] ? 1 : 0;
                }
            }
            long kept = t.Length - (long)Math.Floor(0.9 * t.Length);
            Assert.True(changed <= kept, $"{t.Name}: {changed} of {t.Length} entries moved; the mask keeps at most {kept}");
            moved += changed;
        }
        Assert.True(moved > 0.05 * before.Layout.TotalLength, $"only {moved} entries moved");
    }
}
