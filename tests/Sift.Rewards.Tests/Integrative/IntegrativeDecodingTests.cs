using Sift.Core.Random;
using Sift.Engine;
using Sift.Engine.Inference;
using Sift.Engine.Model;
using Sift.Engine.Ops;
using Sift.Remote;
using Sift.Rewards.Integrative;
using Sift.Rewards.Tests.Support;

namespace Sift.Rewards.Tests.Integrative;

/// <summary>Integrative Decoding: k = 1 and k identical prompts are greedy decoding; each token is the brute-force merge.</summary>
[Collection(ToyPrmCollection.Name)]
public sealed class IntegrativeDecodingTests(ToyPrmFixture toy)
{
    private static LlamaModel NewModel(ulong seed)
    {
        var m = new LlamaModel(new LlamaConfig
        {
            VocabSize = 61,
            HiddenSize = 32,
            IntermediateSize = 64,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 8,
            MaxPositionEmbeddings = 64,
        });
        m.InitRandom(seed, std: 0.4f);
        return m;
    }

    private static int[] RandomPrompt(Rng rng, int V) => Enumerable.Range(0, 3 + rng.NextInt(6)).Select(_ => rng.NextInt(V)).ToArray();

    private static int[] Greedy(LlamaModel m, int[] prompt, int maxTokens, int[] stops)
    {
        using var g = new Generator(m, Compute.Reference, maxBatch: 1);
        return g.Generate([new GenerationRequest(prompt, maxTokens, new SamplingOptions(), 0, stops)])[0].Tokens;
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void OnePrompt_AndKIdenticalPrompts_EqualGreedy(ulong seed)
    {
        using var m = NewModel(seed);
        var rng = new Rng(seed + 100);
        var id = new LocalIntegrativeDecoder(m, Compute.Reference);
        for (int trial = 0; trial < 4; trial++)
        {
            var prompt = RandomPrompt(rng, 61);
            int[] stops = [rng.NextInt(61)];
            var greedy = Greedy(m, prompt, 20, stops);
            var one = id.Decode([prompt], 20, stops);
            Assert.Equal(greedy, one.Tokens);
            Assert.Equal(greedy.Length < 20 ? "stop" : "length", one.FinishReason);
            Assert.False(one.Approximate);
            var same = id.Decode([prompt, prompt, prompt, prompt], 20, stops);
            Assert.Equal(greedy, same.Tokens);
        }
    }

    [Fact]
    public void EachToken_IsTheArgmaxOfTheMeanLogSoftmax_RecomputedFromScratch()
    {
        using var m = NewModel(9);
        int V = m.Config.VocabSize;
        var rng = new Rng(5);
        var prompts = Enumerable.Range(0, 3).Select(_ => RandomPrompt(rng, V)).ToArray();
        var y = new LocalIntegrativeDecoder(m, Compute.Reference).Decode(prompts, 12, []).Tokens;
        Assert.Equal(12, y.Length);
        // The shared continuation differs from each prompt's own greedy continuation somewhere (the merge matters).
        Assert.Contains(prompts, p => !Greedy(m, p, 12, []).SequenceEqual(y));
        for (int t = 0; t < y.Length; t++)
        {
            var sum = new double[V];
            foreach (var p in prompts)
            {
                // A fresh session over prompt + y[..t], one prefill: no cache shared with the decoder.
                using var s = new InferenceSession(m, 1, 64, Compute.Reference);
                var last = new float[V];
                s.Prefill(0, [.. p, .. y[..t]], last);
                float lse = RowLogSoftmax.LogSumExp(last);
                for (int v = 0; v < V; v++)
                {
                    sum[v] += last[v] - lse;
                }
            }
            int best = Array.IndexOf(sum, sum.Max());
            Assert.Equal(best, y[t]);
        }
    }

    [Fact]
    public void RemoteMerge_SumsTopLogprobs_WithEachRowsMinimumAsFloor()
    {
        // Row 1 lacks token 2 (floor −3), row 2 lacks token 1 (floor −2.5): 1 → −0.5 + −2.5 = −3.0; 2 → −3 + −0.4 = −3.4; 3 → −3 + −2.5.
        var rows = new[]
        {
            new Dictionary<int, double> { [1] = -0.5, [3] = -3.0 },
            new Dictionary<int, double> { [2] = -0.4, [3] = -2.5 },
        };
        Assert.Equal(1, RemoteIntegrativeDecoder.Merge(rows));
        // Ties go to the lowest id.
        Assert.Equal(4, RemoteIntegrativeDecoder.Merge([new Dictionary<int, double> { [7] = -1, [4] = -1 }]));
    }

    [Fact]
    public async Task OverAServer_OnePrompt_AndIdenticalPrompts_EqualLocalGreedy()
    {
        await using var server = await InProcessServer.StartAsync(toy.Dir);
        using var lm = ToyPrm.Open(toy.Dir);
        var tok = lm.Tokenizer!;
        var prompt = tok.Encode(ToyPrm.Question + " 1+1=2#\n2+0=");
        var remote = await RemoteIntegrativeDecoder.ConnectAsync(server.Endpoint(), 20);
        var greedy = Greedy(lm.Model, prompt, 8, []);
        var one = await remote.DecodeAsync([prompt], 8, []);
        Assert.True(one.Approximate);
        Assert.Equal(greedy, one.Tokens);
        var three = await remote.DecodeAsync([prompt, prompt, prompt], 8, []);
        Assert.Equal(greedy, three.Tokens);
    }
}
