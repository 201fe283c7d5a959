using Sift.Core.Random;
using Sift.Engine.Model;
using Sift.Engine.Ops;

namespace Sift.Engine.Tests.Model;

/// <summary>Whole-model finite-difference checks on tiny configs (GQA, tied and untied heads).</summary>
public sealed unsafe class ModelGradientTests
{
    internal static LlamaConfig TinyConfig(bool tied, int heads = 2, int kvHeads = 1) => new()
    {
        VocabSize = 11,
        HiddenSize = 8,
        IntermediateSize = 12,
        NumHiddenLayers = 2,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        HeadDim = 8 / heads,
        MaxPositionEmbeddings = 16,
        RmsNormEps = 1e-5f,
        RopeTheta = 100f,
        TieWordEmbeddings = tied,
    };

    [Theory]
    [InlineData(true, 2, 1)]
    [InlineData(false, 2, 2)]
    [InlineData(false, 4, 2)]
    public void Backward_MatchesFiniteDifferences_ForEveryTensor(bool tied, int heads, int kvHeads)
    {
        var cfg = TinyConfig(tied, heads, kvHeads);
        using var model = new LlamaModel(cfg);
        model.InitRandom(7, std: 0.4f);
        int B = 2, T = 5, n = B * T;
        using var graph = new TrainingGraph(model, B, T, Compute.Reference);
        var rng = new Rng(11);
        int[] inputs = Enumerable.Range(0, n).Select(_ => rng.NextInt(cfg.VocabSize)).ToArray();
        int[] targets = Enumerable.Range(0, n).Select(_ => rng.NextInt(cfg.VocabSize)).ToArray();
        targets[3] = CrossEntropy.IgnoreIndex;
        float[] w = Enumerable.Range(0, n).Select(i => targets[i] < 0 ? 0f : (float)(0.2 + rng.NextDouble())).ToArray();

        double Loss()
        {
            graph.Forward(inputs, targets);
            return graph.Losses.Select((l, i) => (double)l * w[i]).Sum();
        }

        graph.ZeroGrad();
        graph.Forward(inputs, targets);
        graph.Backward(w);
        var (checkedCount, _) = TensorGradientCheck.Check(model, graph.Grads.Ptr, Loss, perTensor: 6, h: 1e-2f, absTol: 3e-3, pickSeed: 3);
        Assert.True(checkedCount >= 6 * (2 + 9 * cfg.NumHiddenLayers));
    }

    [Fact]
    public void WeightedLoss_EqualsManualWeightedMean_AndMaskedTokensGetNoGradient()
    {
        var cfg = TinyConfig(tied: false);
        using var model = new LlamaModel(cfg);
        model.InitRandom(5, std: 0.3f);
        int B = 1, T = 6, n = B * T;
        using var graph = new TrainingGraph(model, B, T, Compute.Reference);
        int[] inputs = [1, 2, 3, 4, 5, 6];
        int[] targets = [2, 3, 4, 5, 6, 7];
        bool[] keep = [true, false, true, true, false, true];
        int k = keep.Count(b => b);
        float[] w = keep.Select(b => b ? 1f / k : 0f).ToArray();

        graph.ZeroGrad();
        graph.Forward(inputs, targets);
        double manual = graph.Losses.Where((_, i) => keep[i]).Average();
        double weighted = graph.Losses.Select((l, i) => (double)l * w[i]).Sum();
        Assert.Equal(manual, weighted, 6);
        graph.Backward(w);
        var gMasked = graph.Grads.AsSpan().ToArray();

        // Same thing with ignored targets instead of zero weights: identical gradients.
        int[] ignored = targets.Select((t, i) => keep[i] ? t : CrossEntropy.IgnoreIndex).ToArray();
        graph.ZeroGrad();
        graph.Forward(inputs, ignored);
        graph.Backward(w);
        Assert.Equal(gMasked, graph.Grads.AsSpan().ToArray());

        // The lm_head rows of a target that no kept position predicts, and whose logits only appear
        // with weight 0, still get gradient from the softmax of kept rows; but a fully zero weight vector gives zero.
        graph.ZeroGrad();
        graph.Forward(inputs, targets);
        graph.Backward(new float[n]);
        Assert.All(graph.Grads.AsSpan().ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Forward_IsDeterministicAcrossThreadCounts_WithNaiveGemm()
    {
        var cfg = TinyConfig(tied: true, heads: 4, kvHeads: 2);
        using var model = new LlamaModel(cfg);
        model.InitRandom(9, std: 0.3f);
        int[] inputs = [1, 2, 3, 4, 5, 6, 7, 8];
        int[] targets = [2, 3, 4, 5, 6, 7, 8, 9];
        float[] w = Enumerable.Repeat(1f / 8, 8).ToArray();
        float[] Run(int threads)
        {
            using var g = new TrainingGraph(model, 2, 4, new Compute(new Sift.Engine.Kernels.NaiveGemm(), threads));
            g.Forward(inputs, targets);
            g.Backward(w);
            return [.. g.Losses, .. g.Grads.AsSpan().ToArray()];
        }
        Assert.Equal(Run(1), Run(3));
    }
}
