using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Data.Examples;
using Sift.Inference;
using Sift.Pipelines.SelfTrain;
using Sift.Pipelines.Tests.Evaluation;

namespace Sift.Pipelines.Tests.SelfTrain;

/// <summary>The whole loop on a tiny random model: files, counts, chaining of models, resuming.</summary>
public sealed class SelfTrainLoopTests
{
    // Each problem has a teacher solution, so every rule has data even when the random model is always wrong.
    private static string Problems(string dir, string name, int from, int count)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllLines(path, Enumerable.Range(from, count).Select(i => new JsonObject
        {
            ["question"] = $"What is {i} + {2 * i}?",
            ["solution"] = $"The answer is {3 * i}.",
            ["answer"] = $"{3 * i}",
        }.ToJsonString()));
        return path;
    }

    private static SelfTrainOptions Options(string model, string problems, SelfTrainRule rule, int iterations, string? heldOut = null) => new()
    {
        Model = model,
        Problems = problems,
        Rule = rule,
        Iterations = iterations,
        MaxTokens = 8,
        Seed = 5,
        HeldOut = heldOut,
        Threads = 1,
        Batch = 4,
        TrainOverrides = ["train.micro_batch=4", "optim.lr=1e-3"],
    };

    private static CountingBackend Counting(string model) => new(new LocalCompletionBackend(LoadedModel.Open(model, 1, "managed"), 4, ownsModel: true));

    [Theory]
    [InlineData("dpo")]
    [InlineData("kto")]
    [InlineData("safe")]
    public void TwoIterations_KeepTheirData_ChainModels_AndARerunGeneratesNothing(string ruleName)
    {
        var rule = SelfTrainRules.Parse(ruleName);
        string dir = Directory.CreateTempSubdirectory("sift-selftrain").FullName;
        string model = LocalModelEvalTests.TinyModel(dir);
        string problems = Problems(dir, "p.jsonl", 1, 4), heldOut = Problems(dir, "h.jsonl", 20, 3);
        string outDir = Path.Combine(dir, "out");
        var o = Options(model, problems, rule, 2, heldOut);
        var loop = new SelfTrainLoop(o) { Backends = m => Counting(m) };
        var its = loop.Run(outDir);

        Assert.Equal(2, its.Count);
        Assert.NotNull(loop.BaselineHeldOutAccuracy);
        Assert.Equal(model, its[0].StartModel);
        Assert.Equal(its[0].Checkpoint, its[1].StartModel);
        var problemList = SelfTrainProblems.Read(problems);
        foreach (var it in its)
        {
            string iter = Path.Combine(outDir, $"iter-{it.Iteration}");
            Assert.True(it.Trained, it.SkipReason);
            Assert.Equal(Path.Combine(iter, "model"), it.Checkpoint);
            Assert.True(File.Exists(Path.Combine(iter, "model", "model.safetensors")));
            Assert.True(File.Exists(Path.Combine(iter, "model", "tokenizer.json")));
            Assert.True(File.Exists(Path.Combine(iter, "metrics.json")));
            Assert.False(Directory.Exists(Path.Combine(iter, "checkpoints")), "a finished iteration keeps its model, not its checkpoints");
            var samples = SelfTrainSampler.ReadAll(Path.Combine(iter, "samples.jsonl"));
            Assert.Equal(Enumerable.Range(0, 16).Select(k => (k / 4, k % 4)), samples.Select(s => (s.Problem, s.Sample)));
            var m = it.Metrics;
            Assert.Equal((4, 16, samples.Count(s => s.Correct)), (m.Problems, m.Samples, m.Correct));
            Assert.Equal(m.Correct / 16.0, m.SampleAccuracy, 6);
            // The counts are the rule's on the samples as written.
            var rebuilt = SelfTrainExamples.Build(rule, problemList, samples, o.PromptTemplate);
            Assert.Equal(rebuilt.Counts, m.Data);
            Assert.Equal(rebuilt.Examples.Count, File.ReadAllLines(Path.Combine(iter, "examples.jsonl")).Length);
            var manifest = ExampleManifest.Load(Path.Combine(iter, "examples"));
            Assert.Equal(rebuilt.Examples.Count, manifest.Examples);
            Assert.Equal(rebuilt.Kind.Name(), manifest.Kind);
            // One epoch of rows at micro_batch 4; DPO puts chosen and rejected in two rows.
            long rows = manifest.Examples * (rule == SelfTrainRule.Dpo ? 2 : 1);
            Assert.Equal((rows + 3) / 4, m.TrainSteps);
            // At step 1 the policy is the reference: DPO's loss is ln 2 and KTO's λ·(1 − σ(0)) = 0.5.
            if (rule == SelfTrainRule.Dpo)
            {
                Assert.Equal(Math.Log(2), m.FirstLoss!.Value, 5);
            }
            else if (rule == SelfTrainRule.Kto)
            {
                // Balanced weights (λ_D·n_D / λ_U·n_U in [1, 4/3]); at step 1 every example costs λ·(1 − σ(0)) = λ/2.
                var (d, u) = SelfTrainLoop.KtoWeights(manifest.Desirable, manifest.Undesirable);
                Assert.Equal((d, u), (m.KtoDesirableWeight, m.KtoUndesirableWeight));
                Assert.InRange(d * manifest.Desirable / (u * manifest.Undesirable), 1 - 1e-6, 4.0 / 3 + 1e-6);
                Assert.InRange(m.FirstLoss!.Value, 0.5 * Math.Min(d, u) - 1e-6, 0.5 * Math.Max(d, u) + 1e-6);
            }
            Assert.True(m.TrainLoss is double l && double.IsFinite(l));
            Assert.InRange(m.HeldOutAccuracy!.Value, 0, 1);
        }
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;
        Assert.Equal(2, summary["iterations"]!.AsArray().Count);
        Assert.Equal(its[1].Checkpoint, (string)summary["final_model"]!);

        // A rerun finds everything finished: no prompt is generated and the records are the same.
        var backends = new List<CountingBackend>();
        var again = new SelfTrainLoop(o) { Backends = m => { var b = Counting(m); backends.Add(b); return b; } }.Run(outDir);
        Assert.Equal(0, backends.Sum(b => b.Prompts));
        Assert.Equal(its, again);

        // More iterations continue after the finished ones.
        var three = new SelfTrainLoop(o with { Iterations = 3 }) { Backends = m => Counting(m) }.Run(outDir);
        Assert.Equal(3, three.Count);
        Assert.Equal(its[1].Checkpoint, three[2].StartModel);
    }

    [Theory]
    [InlineData(399, 601, 601.0 / 399, 1.0)]
    [InlineData(100, 100, 1.0, 1.0)]
    [InlineData(130, 100, 1.0, 1.0)]
    [InlineData(200, 100, 1.0, 1.5)]
    public void KtoWeights_BringTheDesirableShareIntoTheGuidedRange(long desirable, long undesirable, double d, double u)
    {
        var w = SelfTrainLoop.KtoWeights(desirable, undesirable);
        Assert.Equal(d, w.Desirable, 5);
        Assert.Equal(u, w.Undesirable, 5);
    }

    [Fact]
    public void KilledWhileSampling_ResumesWithoutDuplicates_AndEqualsAnUninterruptedRun()
    {
        string dir = Directory.CreateTempSubdirectory("sift-selftrain-resume").FullName;
        string model = LocalModelEvalTests.TinyModel(dir);
        string problems = Problems(dir, "p.jsonl", 1, 4);
        var o = Options(model, problems, SelfTrainRule.Kto, 1);
        string whole = Path.Combine(dir, "whole"), killed = Path.Combine(dir, "killed");
        var a = new SelfTrainLoop(o) { Backends = m => Counting(m) }.Run(whole)[0];

        // A kill mid-write: 7 complete lines and half of the 8th.
        string wholeSamples = Path.Combine(whole, "iter-1", "samples.jsonl");
        var lines = File.ReadAllLines(wholeSamples);
        Directory.CreateDirectory(Path.Combine(killed, "iter-1"));
        File.WriteAllText(Path.Combine(killed, "iter-1", "samples.jsonl"), string.Concat(lines.Take(7).Select(l => l + "\n")) + lines[7][..(lines[7].Length / 2)]);
        var backends = new List<CountingBackend>();
        var b = new SelfTrainLoop(o) { Backends = m => { var c = Counting(m); backends.Add(c); return c; } }.Run(killed)[0];

        Assert.Equal(16 - 7, backends.Sum(c => c.Prompts));
        string resumed = Path.Combine(killed, "iter-1", "samples.jsonl");
        var keys = SelfTrainSampler.ReadAll(resumed).Select(s => (s.Problem, s.Sample)).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(File.ReadAllBytes(wholeSamples), File.ReadAllBytes(resumed));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "iter-1", "examples.jsonl")), File.ReadAllBytes(Path.Combine(killed, "iter-1", "examples.jsonl")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "iter-1", "model", "model.safetensors")), File.ReadAllBytes(Path.Combine(killed, "iter-1", "model", "model.safetensors")));
        Assert.Equal(a.Metrics with { SampleSeconds = 0, TrainSeconds = 0 }, b.Metrics with { SampleSeconds = 0, TrainSeconds = 0 });
    }

    [Fact]
    public void OtherSettingsInTheSameFolder_AreRefused_AndBadInputNamesTheLine()
    {
        string dir = Directory.CreateTempSubdirectory("sift-selftrain-bad").FullName;
        string model = LocalModelEvalTests.TinyModel(dir);
        string problems = Problems(dir, "p.jsonl", 1, 2);
        var o = Options(model, problems, SelfTrainRule.Safe, 1) with { SamplesPerProblem = 2 };
        string outDir = Path.Combine(dir, "out");
        new SelfTrainLoop(o) { Backends = m => Counting(m) }.Run(outDir);
        var ex = Assert.Throws<SiftException>(() => new SelfTrainLoop(o with { Temperature = 0.9f }).Run(outDir));
        Assert.Contains("temperature", ex.Message);

        File.AppendAllText(problems, """{"question": "What is 1 + 1?", "gold": "2"}""" + "\n");
        var bad = Assert.Throws<SiftException>(() => new SelfTrainLoop(o).Run(Path.Combine(dir, "other")));
        Assert.Contains($"{problems}:3: missing field \"answer\"", bad.Message);
        Assert.Contains("--set out_dir", Assert.Throws<SiftException>(() => new SelfTrainLoop(Options(model, Problems(dir, "q.jsonl", 1, 2), SelfTrainRule.Safe, 1) with
        {
            TrainOverrides = ["out_dir=/tmp/x"],
        }).Run(Path.Combine(dir, "third"))).Message);
    }

    /// <summary>Passes calls through, counting prompts.</summary>
    internal sealed class CountingBackend(ICompletionBackend inner) : ICompletionBackend
    {
        private int _prompts;

        public int Prompts => _prompts;

        public string Name => inner.Name;

        public Task<TextCompletion[]> CompleteAsync(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default)
        {
            Interlocked.Add(ref _prompts, prompts.Count);
            return inner.CompleteAsync(prompts, onDone, cancel);
        }

        public void Dispose() => inner.Dispose();
    }
}
