using Sift.Engine;
using Sift.Engine.Model;
using Sift.Engine.Tests.Model;

namespace Sift.Pipelines.Tests.FineTuning;

/// <summary>The finite-difference check the objective tests share: an objective's per-token weights, backpropagated by the engine, against its loss.</summary>
internal static unsafe class ObjectiveGradientCheck
{
    /// <summary>Two layers, grouped-query attention, 13 ids: every kind of parameter, small enough to perturb one by one.</summary>
    public static LlamaConfig Tiny() => new()
    {
        VocabSize = 13,
        HiddenSize = 8,
        IntermediateSize = 12,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        NumKeyValueHeads = 1,
        HeadDim = 4,
        MaxPositionEmbeddings = 16,
        RmsNormEps = 1e-5f,
        RopeTheta = 100f,
    };

    /// <summary>
    /// Compares <paramref name="graph"/>'s gradients (after the caller's Backward) with central differences of
    /// <paramref name="loss"/> at five random entries of every tensor, and requires at least ten of the checked
    /// gradients to be large enough that the check is not vacuous.
    /// </summary>
    public static void Check(LlamaModel model, TrainingGraph graph, Func<double> loss, string what)
    {
        var grads = new ReadOnlySpan<float>(graph.Grads.Ptr, (int)graph.Grads.Length).ToArray();
        fixed (float* g = grads)
        {
            var (_, large) = TensorGradientCheck.Check(model, g, loss, perTensor: 5, h: 2e-3f, absTol: 3e-4, pickSeed: 5, what);
            Assert.True(large >= 10, $"{what}: only {large} checked gradients exceed 3e-3: the check would be vacuous");
        }
    }
}
