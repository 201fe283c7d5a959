using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Model;
using Sift.Engine.Optim;
using Sift.Engine.Tensors;
using Sift.Engine.Tests.Model;

namespace Sift.Engine.Tests.Optim;

public sealed unsafe class OptimTests
{
    [Fact]
    public void AdamW_MatchesHandComputedSteps_AndSkipsDecayOnNorms()
    {
        var cfg = ModelGradientTests.TinyConfig(tied: true);
        var layout = ParameterLayout.For(cfg);
        using var w = new NativeBuffer(layout.TotalLength);
        using var g = new NativeBuffer(layout.TotalLength);
        var opt = new AdamWOptions { Beta1 = 0.9f, Beta2 = 0.99f, Eps = 1e-8f, WeightDecay = 0.5f };
        using var adam = new AdamW(layout, opt);
        long lin = layout.Layers[0].Qkv, norm = layout.Layers[0].AttnNorm;
        w.Ptr[lin] = 1f;
        w.Ptr[norm] = 1f;
        double wl = 1, m = 0, v = 0;
        float lr = 0.1f;
        for (int step = 1; step <= 3; step++)
        {
            float grad = 0.5f * step;
            g.Ptr[lin] = grad;
            g.Ptr[norm] = grad;
            adam.Update(w, g, lr, 2);
            m = 0.9 * m + 0.1 * grad;
            v = 0.99 * v + 0.01 * grad * grad;
            double mh = m / (1 - Math.Pow(0.9, step)), vh = v / (1 - Math.Pow(0.99, step));
            wl -= lr * (mh / (Math.Sqrt(vh) + 1e-8) + 0.5 * wl);
            Assert.Equal(wl, w.Ptr[lin], 5);
        }
        // The norm gain follows the same Adam path without the decay term.
        Assert.True(w.Ptr[norm] > w.Ptr[lin]);
        Assert.Equal(3, adam.Step);
    }

    [Fact]
    public void AdamW_EveryVectorWidth_GivesTheScalarBits()
    {
        var cfg = ModelGradientTests.TinyConfig(tied: true);
        var layout = ParameterLayout.For(cfg);
        var rng = new Sift.Core.Random.Rng(5);
        float[] w0 = GradCheck.RandomArray(rng, checked((int)layout.TotalLength), 1);
        float[][] grads = [.. Enumerable.Range(0, 3).Select(_ => GradCheck.RandomArray(rng, w0.Length, 2))];
        float[] Run(SimdWidth width, int threads)
        {
            using var w = new NativeBuffer(layout.TotalLength);
            using var g = new NativeBuffer(layout.TotalLength);
            using var adam = new AdamW(layout, new AdamWOptions());
            w0.AsSpan().CopyTo(new Span<float>(w.Ptr, w0.Length));
            foreach (float[] step in grads)
            {
                step.AsSpan().CopyTo(new Span<float>(g.Ptr, step.Length));
                adam.Update(w, g, 0.01f, threads, width);
            }
            return new Span<float>(w.Ptr, w0.Length).ToArray();
        }
        float[] scalar = Run(SimdWidth.Scalar, 1);
        Assert.NotEqual(w0, scalar);
        Assert.Equal(scalar, Run(SimdWidth.V256, 2));
        Assert.Equal(scalar, Run(SimdWidth.V512, 3));
    }

    [Fact]
    public void Clipping_ScalesToMaxNorm()
    {
        using var g = new NativeBuffer(1000);
        for (int i = 0; i < 1000; i++)
        {
            g.Ptr[i] = i % 2 == 0 ? 3f : -4f;
        }
        double before = GradientClipping.ClipGlobalNorm(g, 1.0, 2);
        Assert.Equal(Math.Sqrt(500 * 9 + 500 * 16), before, 6);
        Assert.Equal(1.0, GradientClipping.GlobalNorm(g, 1), 4);
    }

    [Fact]
    public void Schedule_WarmsUpThenDecaysToMin()
    {
        var s = new LearningRateSchedule(1f, 0.1f, 10, 110);
        Assert.Equal(0.1f, s.At(0), 6);
        Assert.Equal(1f, s.At(9), 6);
        Assert.Equal(1f, s.At(10), 6);
        Assert.Equal(0.1f, s.At(109), 5);
        Assert.InRange(s.At(10 + 49), 0.54f, 0.57f); // halfway through the cosine
        for (int i = 11; i < 110; i++)
        {
            Assert.True(s.At(i) <= s.At(i - 1));
        }
    }
}
