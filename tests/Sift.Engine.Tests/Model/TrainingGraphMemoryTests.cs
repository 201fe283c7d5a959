using Sift.Engine.Model;
using Sift.Engine.Ops;

namespace Sift.Engine.Tests.Model;

/// <summary>The graph's memory report counts every buffer it allocates (the arena is the one list of them).</summary>
public sealed class TrainingGraphMemoryTests
{
    [Fact]
    public void AllocatedBytes_CountsEveryActivationGradientAndScratchBuffer()
    {
        var c = ModelGradientTests.TinyConfig(tied: false, heads: 4, kvHeads: 2);
        using var model = new LlamaModel(c);
        int B = 2, T = 5;
        using var graph = new TrainingGraph(model, B, T, Compute.Reference);
        long n = B * T, L = c.NumHiddenLayers, d = c.HiddenSize, f = c.IntermediateSize, qkv = c.QDim + 2 * c.KvDim;
        // Written out from the graph's contract: per layer (residual in, two norms with rstd, qkv, probs, attention
        // output, mid residual, gate|up, h), the final residual, head activations, backward working buffers,
        // the norm-reduction scratch, the vector scratch 16-bit weights widen norm gains and biases into, and the gradients.
        long perLayer = n * d + 2 * (n * d + n) + n * qkv + (long)B * c.NumAttentionHeads * T * T + n * c.QDim + n * d + n * 2 * f + n * f;
        long floats = L * perLayer + n * d
            + n * d + n + n * c.VocabSize
            + n * d + n * d + n * f + n * 2 * f + n * c.QDim + n * qkv
            + RmsNorm.ReduceChunks * d
            + Math.Max(d, qkv)
            + model.Layout.TotalLength;
        Assert.Equal(4 * floats, graph.AllocatedBytes);
        Assert.Equal(graph.AllocatedBytes, graph.AllocationBreakdown.Sum(b => b.Bytes));
        Assert.Equal(graph.AllocationBreakdown.Count, graph.AllocationBreakdown.Select(b => b.Name).Distinct().Count());
        Assert.Contains(graph.AllocationBreakdown, b => b.Name == "norm_scratch" && b.Bytes == 4L * RmsNorm.ReduceChunks * d);
    }

    [Fact]
    public void Dispose_FreesEveryBuffer()
    {
        using var model = new LlamaModel(ModelGradientTests.TinyConfig(tied: true));
        var graph = new TrainingGraph(model, 1, 4, Compute.Reference);
        var grads = graph.Grads;
        graph.Dispose();
        Assert.Throws<ObjectDisposedException>(() => grads.Clear());
        Assert.Equal(0, graph.AllocatedBytes);
    }
}
