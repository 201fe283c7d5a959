using Sift.Core.Random;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Engine.Ops;

namespace Sift.Engine.Tests.Model;

/// <summary>The forward-only pass (scoring, evaluation) gives exactly the training forward's losses.</summary>
public sealed class ForwardOnlyTests
{
    [Fact]
    public void ForwardOnly_LossesAreBitIdentical_AndRefuseBackward()
    {
        var cfg = new LlamaConfig
        {
            VocabSize = 70,
            HiddenSize = 32,
            IntermediateSize = 40,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 8,
            MaxPositionEmbeddings = 64,
            TieWordEmbeddings = true,
        };
        using var model = new LlamaModel(cfg);
        model.InitRandom(4, std: 0.2f);
        int B = 3, T = 50, n = B * T;
        using var graph = new TrainingGraph(model, B, T, new Compute(GemmFactory.Create("managed", 2), 2));
        var rng = new Rng(8);
        int[] inputs = Enumerable.Range(0, n).Select(_ => rng.NextInt(cfg.VocabSize)).ToArray();
        int[] targets = Enumerable.Range(0, n).Select(_ => rng.NextInt(cfg.VocabSize)).ToArray();
        targets[7] = CrossEntropy.IgnoreIndex;

        graph.Forward(inputs, targets);
        float[] training = graph.Losses.ToArray();
        graph.Forward(inputs, targets, forBackward: false);
        Assert.Equal(training, graph.Losses);
        Assert.Equal(0f, graph.Losses[7]);
        Assert.All(graph.Losses, l => Assert.True(l >= 0 && float.IsFinite(l)));
        var ex = Assert.Throws<InvalidOperationException>(() => graph.Backward(new float[n]));
        Assert.Contains("forBackward", ex.Message);
    }
}
