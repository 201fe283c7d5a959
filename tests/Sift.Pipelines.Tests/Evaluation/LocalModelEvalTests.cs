using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.Eval.Datasets;
using Sift.Eval.Prompts;
using Sift.Inference;
using Sift.Pipelines.Evaluation;
using Sift.Text.Bpe;

namespace Sift.Pipelines.Tests.Evaluation;

/// <summary>Evaluation through the local engine on a tiny random model with a real BPE tokenizer.</summary>
public sealed class LocalModelEvalTests
{
    /// <summary>A model folder: byte-level BPE tokenizer (a few merges) and a 1-layer random Llama.</summary>
    internal static string TinyModel(string dir)
    {
        string path = Path.Combine(dir, "model");
        Directory.CreateDirectory(path);
        var texts = Enumerable.Range(0, 50).Select(i => $"What is {i} + {2 * i}? The answer is {3 * i}.").ToList();
        var tok = BpeTrainer.Train(texts, 300, ["<|endoftext|>"]);
        tok.SaveDirectory(path);
        var cfg = new LlamaConfig
        {
            VocabSize = tok.VocabSize,
            HiddenSize = 32,
            IntermediateSize = 64,
            NumHiddenLayers = 1,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 8,
            MaxPositionEmbeddings = 512,
            TieWordEmbeddings = true,
            EosTokenId = tok.EosId,
        };
        using var m = new LlamaModel(cfg);
        m.InitRandom(7, std: 0.3f);
        HfModelFolder.Save(m, path);
        return path;
    }

    private static EvalRunOptions Options(string data, string outDir) => new()
    {
        Dataset = DatasetLoader.Load(DatasetRegistry.Get("gsm8k"), data),
        Prompts = new PromptBuilder(DatasetRegistry.Get("gsm8k"), PromptKind.Chat),
        OutDir = outDir,
        Samples = 3,
        Temperature = 0.8f,
        TopP = 0.95f,
        MaxTokens = 12,
        Seed = 11,
        Chunk = 4,
        CurveTrials = 10,
    };

    /// <summary>
    /// Kill a sampled run mid-way through cancellation (after some completions are on disk), run it again, and the
    /// samples and metrics equal those of a run that was never interrupted: each completion's seed depends only on
    /// (problem, sample), and finished completions are not generated twice.
    /// </summary>
    [Fact]
    public async Task KilledAndResumed_EqualsUninterrupted()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evallocal").FullName;
        string data = EvalRunTests.TinyGsm(dir, 5);
        string modelDir = TinyModel(dir);
        using var lm = LoadedModel.Open(modelDir, threads: 1, gemm: "managed");

        using (var backend = new LocalCompletionBackend(lm, maxBatch: 3))
        {
            var whole = await new EvalRun(backend, null, Options(data, Path.Combine(dir, "whole"))).RunAsync();
            Assert.Equal(15, whole.Generated);
        }

        string outDir = Path.Combine(dir, "killed");
        using (var cts = new CancellationTokenSource())
        using (var counting = new CountingBackend(new LocalCompletionBackend(lm, maxBatch: 3), after: 6, cts))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new EvalRun(counting, null, Options(data, outDir)).RunAsync(cts.Token));
        }
        int onDisk = Sift.Eval.Samples.SamplesLog.ReadAll(Path.Combine(outDir, "samples.jsonl")).Count;
        Assert.InRange(onDisk, 6, 14);

        using (var backend = new LocalCompletionBackend(lm, maxBatch: 2))
        using (var counting = new CountingBackend(backend, after: int.MaxValue, null))
        {
            var resumed = await new EvalRun(counting, null, Options(data, outDir)).RunAsync();
            Assert.Equal((15 - onDisk, onDisk), (resumed.Generated, resumed.Reused));
            Assert.Equal(15 - onDisk, counting.Prompts);
        }
        EvalRunTests.AssertSameSamples(Path.Combine(dir, "whole"), outDir);
    }

    /// <summary>Passes calls through, counting prompts and completions; cancels after a number of completions.</summary>
    private sealed class CountingBackend(ICompletionBackend inner, int after, CancellationTokenSource? cts) : ICompletionBackend
    {
        private int _done;

        public int Prompts { get; private set; }

        public string Name => inner.Name;

        public Task<TextCompletion[]> CompleteAsync(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default)
        {
            Prompts += prompts.Count;
            return inner.CompleteAsync(prompts, (i, c) =>
            {
                onDone?.Invoke(i, c);
                if (Interlocked.Increment(ref _done) == after)
                {
                    cts?.Cancel();
                }
            }, cancel);
        }

        public void Dispose() => inner.Dispose();
    }
}
