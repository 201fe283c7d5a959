using Sift.Core.Random;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Engine.Optim;
using Sift.Engine.Tests.Inference;

namespace Sift.Engine.Tests.Model;

/// <summary>Whole-model finite-difference checks of each architecture (biases, windows, fused wqkv, score head).</summary>
public sealed unsafe class ArchitectureGradientTests
{
    public static TheoryData<ModelArchitecture, int?, int> Cases => new()
    {
        { ModelArchitecture.MistralForCausalLM, 2, 0 },
        { ModelArchitecture.Qwen2ForCausalLM, 3, 1 },
        { ModelArchitecture.InternLM2ForCausalLM, null, 0 },
        { ModelArchitecture.Qwen2ForSequenceClassification, null, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_MatchesFiniteDifferences_ForEveryTensor(ModelArchitecture arch, int? window, int maxWindowLayers)
    {
        var cfg = ArchitectureInferenceTests.Tiny(arch, window, maxWindowLayers) with { VocabSize = 11, HiddenSize = 8, IntermediateSize = 12, HeadDim = 2 };
        using var model = new LlamaModel(cfg);
        model.InitRandom(7, std: 0.4f);
        var rng = new Rng(11);
        foreach (var t in model.Layout.Tensors.Where(t => t.Kind == ParamKind.Bias))
        {
            for (long i = 0; i < t.Length; i++)
            {
                model.Weights.Ptr[t.Offset + i] = (float)(0.3 * rng.NextGaussian());
            }
        }
        int B = 2, T = 5, n = B * T, W = cfg.HeadWidth;
        using var graph = new TrainingGraph(model, B, T, Compute.Reference);
        int[] inputs = Enumerable.Range(0, n).Select(_ => rng.NextInt(cfg.VocabSize)).ToArray();
        int[] targets = Enumerable.Range(0, n).Select(_ => rng.NextInt(cfg.VocabSize)).ToArray();
        float[] w = Enumerable.Range(0, n).Select(_ => (float)(0.2 + rng.NextDouble())).ToArray();
        float[] c = Enumerable.Range(0, n * W).Select(_ => (float)rng.NextGaussian()).ToArray();
        bool score = cfg.Spec.Head == ModelHead.Score;

        // LM: Σ w_i·loss_i; score head: Σ c ⊙ outputs.
        double Loss()
        {
            if (score)
            {
                graph.ForwardHead(inputs, forBackward: false);
                var o = graph.HeadOutputs;
                double s = 0;
                for (int i = 0; i < o.Length; i++)
                {
                    s += (double)o[i] * c[i];
                }
                return s;
            }
            graph.Forward(inputs, targets);
            return graph.Losses.Select((l, i) => (double)l * w[i]).Sum();
        }

        graph.ZeroGrad();
        if (score)
        {
            graph.ForwardHead(inputs);
            graph.BackwardHead(c);
        }
        else
        {
            graph.Forward(inputs, targets);
            graph.Backward(w);
        }
        TensorGradientCheck.Check(model, graph.Grads.Ptr, Loss, perTensor: 6, h: 1e-2f, absTol: 3e-3, pickSeed: 3);
    }

    [Fact]
    public void TrainingStep_WithBiasesAndAWindow_AllocatesNothing()
    {
        var cfg = ArchitectureInferenceTests.Tiny(ModelArchitecture.Qwen2ForCausalLM, 5, 1) with { VocabSize = 300, HiddenSize = 64, IntermediateSize = 192, HeadDim = 16, MaxPositionEmbeddings = 64 };
        using var model = new LlamaModel(cfg);
        model.InitRandom(3);
        var compute = new Compute(GemmFactory.Create("managed", 2), 2);
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
            adam.Update(model.Weights, graph.Grads, 1e-3f, 2);
        }
        Step();
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
