using Sift.Core.Random;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Cpu;

namespace Sift.Engine.Tests.Kernels;

/// <summary>The decode GEMV against the naive GEMM (y = x·Wᵀ), with and without accumulation.</summary>
public sealed unsafe class GemvTests
{
    public static TheoryData<int, int, int, int, SimdWidth> Cases()
    {
        var d = new TheoryData<int, int, int, int, SimdWidth>();
        foreach (var width in new[] { SimdWidth.Scalar, SimdWidth.V256, SimdWidth.V512 })
        {
            d.Add(1, 7, 5, 1, width);
            d.Add(1, 64, 130, 2, width);
            d.Add(3, 100, 70, 2, width);
            d.Add(4, 333, 257, 3, width);
            d.Add(2, 2048, 300, 2, width);
        }
        return d;
    }

    /// <summary>Every vector width (forced; 512 runs in software where not accelerated) against the naive GEMM.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesNaiveGemm(int rows, int inDim, int outDim, int threads, SimdWidth width)
    {
        var rng = new Rng((ulong)(rows * 1000 + inDim));
        float[] x = GradCheck.RandomArray(rng, rows * inDim), w = GradCheck.RandomArray(rng, outDim * inDim);
        float[] y0 = GradCheck.RandomArray(rng, rows * outDim);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] want = (float[])y0.Clone(), got = (float[])y0.Clone(), single = (float[])y0.Clone();
            fixed (float* xp = x, wp = w, a = want, b = got, c = single)
            {
                new NaiveGemm().Sgemm(false, true, rows, outDim, inDim, 1f, xp, inDim, wp, inDim, accumulate ? 1f : 0f, a, outDim);
                Gemv.Forward(b, xp, wp, rows, inDim, outDim, accumulate, threads, width);
                Gemv.Forward(c, xp, wp, rows, inDim, outDim, accumulate, 1, width);
            }
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(Math.Abs(want[i] - got[i]) <= 1e-4 * (1 + Math.Abs(want[i])), $"y[{i}]: naive {want[i]}, gemv {got[i]} (accumulate {accumulate})");
            }
            Assert.Equal(single, got); // thread count does not change the bits
        }
    }
}
