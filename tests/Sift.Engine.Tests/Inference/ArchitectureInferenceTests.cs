using Sift.Engine.Inference;
using Sift.Engine.Model;

namespace Sift.Engine.Tests.Inference;

/// <summary>KV-cache decoding of the architectures against the full forward (sliding windows, biases, dynamic RoPE).</summary>
public sealed class ArchitectureInferenceTests
{
    internal static LlamaConfig Tiny(ModelArchitecture arch, int? window = null, int maxWindowLayers = 0) => new()
    {
        Architecture = arch,
        VocabSize = 23,
        HiddenSize = 16,
        IntermediateSize = 20,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 4,
        MaxPositionEmbeddings = 32,
        RopeTheta = 100f,
        SlidingWindow = window,
        UseSlidingWindow = window is not null,
        MaxWindowLayers = maxWindowLayers,
        NumLabels = 3,
        PadTokenId = 0,
    };

    private static LlamaModel NewModel(LlamaConfig c, ulong seed = 5)
    {
        var m = new LlamaModel(c);
        m.InitRandom(seed, std: 0.4f);
        if (c.Spec.QkvBias)
        {
            // Non-zero biases, so decoding must add them too.
            foreach (var t in m.Layout.Tensors.Where(t => t.Kind == ParamKind.Bias))
            {
                for (long i = 0; i < t.Length; i++)
                {
                    m.Weights.AsSpan()[(int)(t.Offset + i)] = 0.1f * (i % 7) - 0.3f;
                }
            }
        }
        return m;
    }

    public static TheoryData<ModelArchitecture, int?, int> Cases => new()
    {
        { ModelArchitecture.MistralForCausalLM, 3, 0 },
        { ModelArchitecture.MistralForCausalLM, 1, 0 },
        { ModelArchitecture.Qwen2ForCausalLM, 4, 1 },
        { ModelArchitecture.Qwen2ForCausalLM, null, 0 },
        { ModelArchitecture.InternLM2ForCausalLM, null, 0 },
        { ModelArchitecture.LlamaForSequenceClassification, null, 0 },
    };

    /// <summary>Decoding one token at a time, far past the window, gives the full forward's outputs at every position.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodeStepByStep_MatchesFullForward_BeyondTheWindow(ModelArchitecture arch, int? window, int maxWindowLayers)
    {
        var c = Tiny(arch, window, maxWindowLayers);
        using var model = NewModel(c);
        int[] tokens = [3, 9, 1, 14, 7, 7, 2, 20, 11, 5, 8, 13, 4, 19];
        int T = tokens.Length, W = c.HeadWidth;
        using var graph = new TrainingGraph(model, 1, T, Compute.Reference);
        graph.ForwardHead(tokens, forBackward: false);
        float[] full = graph.HeadOutputs.ToArray();

        using var session = new InferenceSession(model, 2, 32, Compute.Reference);
        var row = new float[2 * W];
        session.Prefill(1, tokens.AsSpan(0, 2), row);
        Close(full.AsSpan(1 * W, W), row.AsSpan(0, W), "prefill");
        session.Prefill(0, [1], row); // another slot in the same steps
        for (int t = 2; t < T; t++)
        {
            session.Step([1, 0], [tokens[t], tokens[T - t]], row);
            Close(full.AsSpan(t * W, W), row.AsSpan(0, W), $"position {t}");
        }
    }

    /// <summary>
    /// A prefill from an empty slot runs attention through the training graph's causal GEMMs; a prefill that resumes a
    /// sequence attends row by row over the cache. Both give the same logits at every position, inside and beyond the
    /// window, with several sequences in one call.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void PrefillFromEmpty_EqualsARowByRowResumedPrefill(ModelArchitecture arch, int? window, int maxWindowLayers)
    {
        var c = Tiny(arch, window, maxWindowLayers) with { MaxPositionEmbeddings = 64 };
        using var model = NewModel(c);
        int W = c.HeadWidth;
        int[] tokens = [.. Enumerable.Range(0, 45).Select(i => (i * 5 + 2) % c.VocabSize)];
        using var session = new InferenceSession(model, 2, 64, Compute.Reference, maxRows: 64);
        var whole = new float[tokens.Length * W];
        session.Prefill(0, tokens, new float[W], (i, logits) => logits.CopyTo(whole.AsSpan(i * W, W)));
        var resumed = new float[tokens.Length * W];
        session.Prefill(1, tokens.AsSpan(0, 2), new float[W], (i, logits) => logits.CopyTo(resumed.AsSpan(i * W, W)));
        session.Prefill(1, tokens.AsSpan(2), new float[W], (i, logits) => logits.CopyTo(resumed.AsSpan((i + 2) * W, W)));
        for (int t = 0; t < tokens.Length; t++)
        {
            Close(resumed.AsSpan(t * W, W), whole.AsSpan(t * W, W), $"position {t}");
        }

        // Two whole sequences packed into one call (two blocks) give the same rows as each alone.
        var packed = new float[2][];
        int[][] pair = [tokens, [.. tokens.Take(30).Reverse()]];
        using var many = new InferenceSession(model, 2, 64, Compute.Reference, maxRows: 128);
        packed[0] = new float[tokens.Length * W];
        packed[1] = new float[30 * W];
        many.PrefillHiddenMany(pair, (s, i, hidden) =>
        {
            for (int v = 0; v < W; v++)
            {
                packed[s][i * W + v] = many.TokenLogit(hidden, v);
            }
        });
        Close(whole, packed[0], "packed sequence 0");
        var alone = new float[30 * W];
        session.Reset(0);
        session.Prefill(0, pair[1], new float[W], (i, logits) => logits.CopyTo(alone.AsSpan(i * W, W)));
        Close(alone, packed[1], "packed sequence 1");
    }

    private static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        for (int j = 0; j < expected.Length; j++)
        {
            Assert.True(Math.Abs(expected[j] - actual[j]) < 1e-4 * (1 + Math.Abs(expected[j])), $"{what} [{j}]: full {expected[j]} decode {actual[j]}");
        }
    }

    [Fact]
    public void KvCache_GrowsWithTheSequence_AndKeepsWhatItHeld()
    {
        var c = Tiny(ModelArchitecture.Qwen2ForCausalLM) with { MaxPositionEmbeddings = 100_000 };
        using var model = NewModel(c);
        int[] tokens = [.. Enumerable.Range(0, 150).Select(i => (i * 7 + 3) % 23)];
        using var session = new InferenceSession(model, 2, 100_000, Compute.Reference, maxRows: 16);
        long fresh = session.AllocatedBytes;
        var logits = new float[2 * c.VocabSize];
        session.Prefill(0, tokens.AsSpan(0, 50), logits); // chunks of 16 rows, growing past the first block
        for (int t = 50; t < tokens.Length; t++)
        {
            session.Step([0], [tokens[t]], logits);
        }
        var full = new float[c.VocabSize];
        session.Prefill(1, tokens, full);
        Close(full, logits.AsSpan(0, c.VocabSize), "after growth");
        // Two slots of 150-ish positions, not two of 100,000.
        long perPosition = 2L * c.NumHiddenLayers * c.KvDim * sizeof(float);
        Assert.InRange(session.AllocatedBytes - fresh, 2 * 150 * perPosition, 2 * 2 * 256 * perPosition);
    }

    [Fact]
    public void Window_ChangesOutputsOnlyBeyondIt()
    {
        // Same weights with and without a window of 4: positions 0..3 see the same keys, later ones do not.
        using var windowed = NewModel(Tiny(ModelArchitecture.MistralForCausalLM, 4));
        using var plain = NewModel(Tiny(ModelArchitecture.MistralForCausalLM, null));
        int[] tokens = [3, 9, 1, 14, 7, 7, 2, 20];
        float[] Run(LlamaModel m)
        {
            using var g = new TrainingGraph(m, 1, tokens.Length, Compute.Reference);
            g.ForwardHead(tokens, forBackward: false);
            return g.HeadOutputs.ToArray();
        }
        float[] a = Run(windowed), b = Run(plain);
        int V = 23;
        Assert.Equal(a.AsSpan(0, 4 * V).ToArray(), b.AsSpan(0, 4 * V).ToArray());
        Assert.NotEqual(a.AsSpan(7 * V, V).ToArray(), b.AsSpan(7 * V, V).ToArray());
        // A window at least as long as the sequence is plain causal attention.
        using var wide = NewModel(Tiny(ModelArchitecture.MistralForCausalLM, tokens.Length));
        Assert.Equal(b, Run(wide));
    }

    [Fact]
    public void Generate_WithAWindowShorterThanTheCompletion_IsIndependentOfBatching()
    {
        using var model = NewModel(Tiny(ModelArchitecture.MistralForCausalLM, 2));
        var greedy = new SamplingOptions();
        var reqs = new[] { new GenerationRequest([1, 2, 3], 12, greedy, 1), new GenerationRequest([4], 9, greedy, 2) };
        using var batched = new Generator(model, Compute.Reference, maxBatch: 2);
        using var single = new Generator(model, Compute.Reference, maxBatch: 1);
        var r1 = batched.Generate(reqs);
        var r2 = single.Generate(reqs);
        Assert.Equal(r2[0].Tokens, r1[0].Tokens);
        Assert.Equal(r2[1].Tokens, r1[1].Tokens);
        Assert.Equal(12, r1[0].Tokens.Length); // no stop tokens: it runs to length, 10 positions past the window
    }

    [Fact]
    public void ScoreHead_RefusesGeneration_AndLmLosses()
    {
        using var model = NewModel(Tiny(ModelArchitecture.Qwen2ForSequenceClassification));
        var ex = Assert.Throws<Sift.Core.SiftException>(() => new Generator(model, Compute.Reference));
        Assert.Contains("Qwen2ForSequenceClassification", ex.Message);
        using var graph = new TrainingGraph(model, 1, 4, Compute.Reference);
        Assert.Throws<Sift.Core.SiftException>(() => graph.Forward([1, 2, 3, 4], [2, 3, 4, 5]));
        using var session = new InferenceSession(model, 1, 8, Compute.Reference);
        Assert.Throws<Sift.Core.SiftException>(() => session.Prefill(0, [1, 2], new float[3], new float[2]));
    }

    [Fact]
    public void SequenceScore_IsReadAtTheLastNonPadToken()
    {
        Assert.Equal(2, SequenceScorer.ScoredPosition([5, 6, 7, 0, 0], 0));
        Assert.Equal(4, SequenceScorer.ScoredPosition([5, 0, 7, 0, 8], 0));
        Assert.Equal(0, SequenceScorer.ScoredPosition([0, 0], 0));
        Assert.Equal(1, SequenceScorer.ScoredPosition([0, 0], null));
        using var model = NewModel(Tiny(ModelArchitecture.LlamaForSequenceClassification));
        using var scorer = new SequenceScorer(model, Compute.Reference, 16);
        int[] tokens = [4, 8, 15, 16, 0, 0];
        float[] all = scorer.PositionScores(tokens);
        Close(all.AsSpan(3 * 3, 3), scorer.Score(tokens), "pooled");
    }

    [Fact]
    public void DynamicRope_RunsPastMaxPositions_OtherScalingsDoNot()
    {
        var dyn = Tiny(ModelArchitecture.LlamaForCausalLM) with { MaxPositionEmbeddings = 8, RopeScaling = new RopeScaling(RopeScalingType.Dynamic, 2f) };
        using var model = NewModel(dyn);
        int[] tokens = [.. Enumerable.Range(0, 12).Select(i => (i * 5 + 1) % 23)];
        using var graph = new TrainingGraph(model, 1, 12, Compute.Reference);
        graph.ForwardHead(tokens, forBackward: false);
        // Up to max_position_embeddings the frequencies are the plain ones: a prefix of 8 gives the plain model's outputs.
        using var plainModel = NewModel(dyn with { RopeScaling = null });
        using var g8 = new TrainingGraph(plainModel, 1, 8, Compute.Reference);
        g8.ForwardHead(tokens.AsSpan(0, 8), forBackward: false);
        using var d8 = new TrainingGraph(model, 1, 8, Compute.Reference);
        d8.ForwardHead(tokens.AsSpan(0, 8), forBackward: false);
        Assert.Equal(g8.HeadOutputs.ToArray(), d8.HeadOutputs.ToArray());
        // Beyond it the whole sequence is rotated with a larger base, so even position 0..7 change.
        Assert.NotEqual(d8.HeadOutputs.ToArray(), graph.HeadOutputs[..(8 * 23)].ToArray());
        using var linear = NewModel(dyn with { RopeScaling = new RopeScaling(RopeScalingType.Linear, 2f) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingGraph(linear, 1, 12, Compute.Reference));
    }
}
