using Sift.Core.Random;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Engine.Optim;

namespace Sift.Engine.Tests.Model;

/// <summary>
/// A training step (forward, backward, clipping, AdamW) allocates nothing on the managed heap once warm.
/// Counted on the calling thread (the process-wide counter also sees the test runner's own threads); with one
/// thread that is all of the step's work, with two it is everything but the kernels' loop bodies.
/// </summary>
public sealed class StepAllocationTests
{
    public static TheoryData<string, int> Backends()
    {
        var d = new TheoryData<string, int> { { "managed", 1 }, { "managed", 2 } };
        if (OpenBlasGemm.IsAvailable)
        {
            d.Add("openblas", 1);
            d.Add("openblas", 2);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void TrainingStep_AllocatesNothing(string backend, int threads)
    {
        var cfg = new LlamaConfig
        {
            VocabSize = 300,
            HiddenSize = 64,
            IntermediateSize = 192,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 16,
            MaxPositionEmbeddings = 64,
            TieWordEmbeddings = false,
        };
        using var model = new LlamaModel(cfg);
        model.InitRandom(3);
        // 256 rows: with 2 threads the managed GEMM takes its parallel path and the element-wise kernels split.
        var compute = new Compute(GemmFactory.Create(backend, threads), threads);
        int B = 4, T = 64, n = B * T;
        using var graph = new TrainingGraph(model, B, T, compute);
        using var adam = new AdamW(model.Layout, new AdamWOptions());
        var rng = new Rng(5);
        int[] inputs = Enumerable.Range(0, n).Select(_ => rng.NextInt(cfg.VocabSize)).ToArray();
        int[] targets = Enumerable.Range(0, n).Select(_ => rng.NextInt(cfg.VocabSize)).ToArray();
        float[] weights = Enumerable.Repeat(1f / n, n).ToArray();
        void Step()
        {
            graph.ZeroGrad();
            graph.Forward(inputs, targets);
            graph.Backward(weights);
            GradientClipping.ClipGlobalNorm(graph.Grads, 1.0, threads);
            adam.Update(model.Weights, graph.Grads, 1e-3f, threads);
        }
        Step(); // first use grows per-thread buffers and starts the worker threads
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.All(graph.Losses, l => Assert.True(float.IsFinite(l)));
    }
}
