using Sift.Core.Random;
using Sift.Engine.Inference;
using Sift.Engine.Model;
using Sift.Engine.Tests.Model;

namespace Sift.Engine.Tests.Inference;

public sealed class InferenceTests
{
    private static LlamaModel NewModel(bool tied = false, int heads = 4, int kv = 2)
    {
        var m = new LlamaModel(ModelGradientTests.TinyConfig(tied, heads, kv) with { MaxPositionEmbeddings = 32 });
        m.InitRandom(21, std: 0.3f);
        return m;
    }

    [Fact]
    public void PrefillLosses_EqualTrainingGraphLosses()
    {
        using var model = NewModel();
        int[] tokens = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
        using var graph = new TrainingGraph(model, 1, tokens.Length - 1, Compute.Reference);
        graph.Forward(tokens.AsSpan(0, tokens.Length - 1), tokens.AsSpan(1));
        using var session = new InferenceSession(model, 1, 32, Compute.Reference, maxRows: 4); // chunked prefill
        var losses = new float[tokens.Length];
        var last = new float[model.Config.VocabSize];
        session.Prefill(0, tokens, last, losses);
        for (int i = 0; i < tokens.Length - 1; i++)
        {
            Assert.Equal(graph.Losses[i], losses[i], 4);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PrefillHidden_TokenLogitsEqualPrefillRowLogits(bool tied)
    {
        using var model = NewModel(tied);
        int V = model.Config.VocabSize;
        int[] tokens = [5, 3, 8, 1, 1, 7, 2, 9, 4];
        using var a = new InferenceSession(model, 1, 32, Compute.Reference, maxRows: 4); // chunked prefill
        var rows = new List<float[]>();
        a.Prefill(0, tokens, new float[V], (i, logits) => rows.Add(logits.ToArray()));
        a.Reset(0);
        int seen = 0;
        a.PrefillHidden(0, tokens, (i, hidden) =>
        {
            Assert.Equal(seen++, i);
            for (int v = 0; v < V; v++)
            {
                Assert.Equal(rows[i][v], a.TokenLogit(hidden, v), 4);
            }
        });
        Assert.Equal(tokens.Length, seen);
        Assert.Equal(tokens.Length, a.Length(0));
    }

    [Fact]
    public void StepByStepDecode_MatchesPrefillLogits()
    {
        using var model = NewModel(tied: true);
        int V = model.Config.VocabSize;
        int[] tokens = [7, 2, 9, 4, 4, 1];
        using var a = new InferenceSession(model, 2, 32, Compute.Reference);
        var full = new float[V];
        a.Prefill(0, tokens, full);

        var stepLogits = new float[2 * V];
        a.Prefill(1, tokens.AsSpan(0, 1), new float[V]);
        for (int i = 1; i < tokens.Length; i++)
        {
            a.Step([1], [tokens[i]], stepLogits);
        }
        for (int j = 0; j < V; j++)
        {
            Assert.Equal(full[j], stepLogits[j], 4);
        }
        Assert.Equal(tokens.Length, a.Length(1));
    }

    [Fact]
    public void Generate_GreedyIsIndependentOfBatching_AndRespectsLimits()
    {
        using var model = NewModel();
        var greedy = new SamplingOptions();
        var reqs = new[]
        {
            new GenerationRequest([1, 2, 3], 6, greedy, 1),
            new GenerationRequest([4], 4, greedy, 2),
            new GenerationRequest([5, 6], 0, greedy, 3),
            new GenerationRequest([7, 8, 9, 10], 5, greedy, 4),
        };
        using var batched = new Generator(model, Compute.Reference, maxBatch: 3);
        using var single = new Generator(model, Compute.Reference, maxBatch: 1);
        var r1 = batched.Generate(reqs);
        var r2 = single.Generate(reqs);
        for (int i = 0; i < reqs.Length; i++)
        {
            Assert.Equal(r2[i].Tokens, r1[i].Tokens);
            Assert.True(r1[i].Tokens.Length <= reqs[i].MaxTokens);
            Assert.All(r1[i].Logprobs, lp => Assert.True(lp <= 0));
        }
        Assert.Empty(r1[2].Tokens);
        Assert.Equal("length", r1[0].FinishReason);
    }

    [Fact]
    public void SamplesOfOnePrompt_ShareItsPrefill_AndEqualSamplesDrawnAlone()
    {
        using var model = NewModel();
        var hot = new SamplingOptions { Temperature = 1.2f };
        int[] a = [1, 2, 3, 4, 5], b = [9, 8, 7];
        // Seven samples of a, interleaved with b (copies of the arrays: prompts match by content), on 3 slots.
        var reqs = Enumerable.Range(0, 10).Select(i => new GenerationRequest(i % 3 == 2 ? [.. b] : [.. a], 6, hot, (ulong)(100 + i))).ToArray();
        using var shared = new Generator(model, Compute.Reference, maxBatch: 3);
        var got = shared.Generate(reqs);
        Assert.Equal(a.Length + b.Length, shared.PrefillTokens);
        for (int i = 0; i < reqs.Length; i++)
        {
            using var alone = new Generator(model, Compute.Reference, maxBatch: 1);
            var want = alone.Generate([reqs[i]])[0];
            Assert.Equal(want.Tokens, got[i].Tokens);
            Assert.Equal(want.Logprobs, got[i].Logprobs);
        }
        Assert.True(got.Where((_, i) => i % 3 != 2).Select(r => string.Join(',', r.Tokens)).Distinct().Count() > 1, "different seeds give different samples");
    }

    [Fact]
    public void ForkPrefix_CopiesRowsThatDecodeLikeAFreshPrefill()
    {
        using var model = NewModel();
        using var session = new InferenceSession(model, 3, 32, Compute.Reference);
        int vocab = model.Config.VocabSize;
        var last = new float[vocab];
        var logits = new float[2 * vocab];

        // The whole prefill copied: bit for bit what computing it again gives.
        session.Prefill(0, [3, 1, 4, 1], last);
        session.ForkPrefix(0, 1, 4);
        session.Prefill(2, [3, 1, 4, 1], last);
        session.Step([1, 2], [7, 7], logits);
        Assert.Equal(logits.AsSpan(vocab).ToArray(), logits.AsSpan(0, vocab).ToArray());
        Assert.Equal((5, 4), (session.Length(1), session.Length(0)));

        // A prefix of a longer prefill: the same rows up to the rounding of a longer GEMM.
        session.Reset(2);
        session.Prefill(2, [3, 1], last);
        session.ForkPrefix(0, 1, 2);
        session.Step([1, 2], [5, 5], logits);
        for (int i = 0; i < vocab; i++)
        {
            Assert.Equal(logits[vocab + i], logits[i], 1e-5);
        }
        session.ForkPrefix(0, 0, 1);
        Assert.Equal(1, session.Length(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.ForkPrefix(0, 2, 2));
    }

    [Fact]
    public void Generate_StopTokenEndsCompletion()
    {
        using var model = NewModel();
        var greedy = new SamplingOptions();
        using var gen = new Generator(model, Compute.Reference, 2);
        var free = gen.Generate([new GenerationRequest([1, 2], 5, greedy, 1)])[0];
        Assert.NotEmpty(free.Tokens);
        var stopped = gen.Generate([new GenerationRequest([1, 2], 5, greedy, 1, [free.Tokens[0]])])[0];
        Assert.Empty(stopped.Tokens);
        Assert.Equal("stop", stopped.FinishReason);
    }

    [Fact]
    public void Sampling_IsSeededAndTopKOneIsGreedy()
    {
        var rng = new Rng(1);
        float[] logits = [0.1f, 2f, -1f, 1.9f, 0.5f];
        var probs = new float[5];
        var order = new int[5];
        var hot = new SamplingOptions { Temperature = 1.5f };
        int[] a = Enumerable.Range(0, 50).Select(_ => Sampler.Sample(logits, hot, rng, probs, order)).ToArray();
        rng = new Rng(1);
        int[] b = Enumerable.Range(0, 50).Select(_ => Sampler.Sample(logits, hot, rng, probs, order)).ToArray();
        Assert.Equal(a, b);
        Assert.True(a.Distinct().Count() > 2);
        var topk = new SamplingOptions { Temperature = 1f, TopK = 1 };
        Assert.All(Enumerable.Range(0, 20), _ => Assert.Equal(1, Sampler.Sample(logits, topk, rng, probs, order)));
        var topp = new SamplingOptions { Temperature = 1f, TopP = 0.5f };
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Contains(Sampler.Sample(logits, topp, rng, probs, order), new[] { 1, 3 }));
    }

    [Fact]
    public void Generate_RejectsPromptsBeyondContextAndBadIds()
    {
        using var model = NewModel();
        using var gen = new Generator(model, Compute.Reference, 1);
        var greedy = new SamplingOptions();
        Assert.Throws<ArgumentException>(() => gen.Generate([new GenerationRequest(new int[30], 5, greedy, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => gen.Generate([new GenerationRequest([99], 1, greedy, 1)]));
    }
}
