using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Sift.Core.Random;
using Sift.Engine.IO;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;

namespace Sift.Engine.Tests.Kernels;

/// <summary>Kernels over 16-bit resident weights against float32 kernels over the same weights widened.</summary>
public sealed unsafe class HalfKernelTests
{
    private static ushort[] Encode(float[] values, WeightFormat format)
    {
        var bits = new ushort[values.Length];
        FloatConversions.FromFloat32(format.ToDType(), values, MemoryMarshal.AsBytes(bits.AsSpan()));
        return bits;
    }

    private static float[] Decode(ushort[] bits, WeightFormat format)
    {
        var f = new float[bits.Length];
        fixed (ushort* b = bits)
        fixed (float* d = f)
        {
            Widen.Row(b, d, bits.Length, format);
        }
        return f;
    }

    [Theory]
    [InlineData(WeightFormat.BF16)]
    [InlineData(WeightFormat.F16)]
    public void VectorWiden_MatchesScalar_ForEveryBitPattern(WeightFormat format)
    {
        if (!Widen.Vectorised)
        {
            return; // no AVX2: the kernels take their scalar paths
        }
        var all = new ushort[65536];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = (ushort)i;
        }
        var got = new float[8];
        fixed (ushort* p = all)
        fixed (float* g = got)
        {
            for (int i = 0; i < all.Length; i += 8)
            {
                var v = format == WeightFormat.BF16 ? Bf16.Load8(p + i) : F16.Load8(p + i);
                v.Store(g);
                for (int k = 0; k < 8; k++)
                {
                    float want = format == WeightFormat.BF16 ? Bf16.Scalar(all[i + k]) : F16.Scalar(all[i + k]);
                    Assert.True(float.IsNaN(want) ? float.IsNaN(got[k]) : BitConverter.SingleToUInt32Bits(want) == BitConverter.SingleToUInt32Bits(got[k]),
                        $"0x{all[i + k]:x4}: scalar {want} vector {got[k]}");
                }
            }
        }
    }

    /// <summary>The 16-lane widening (AVX-512, or the same operations in software) equals the scalar one for all 65,536 patterns.</summary>
    [Theory]
    [InlineData(WeightFormat.BF16)]
    [InlineData(WeightFormat.F16)]
    public void Vector512Widen_MatchesScalar_ForEveryBitPattern(WeightFormat format)
    {
        var all = new ushort[65536];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = (ushort)i;
        }
        var got = new float[16];
        fixed (ushort* p = all)
        fixed (float* g = got)
        {
            for (int i = 0; i < all.Length; i += 16)
            {
                var v = format == WeightFormat.BF16 ? Bf16.Load16(p + i) : F16.Load16(p + i);
                v.Store(g);
                for (int k = 0; k < 16; k++)
                {
                    float want = format == WeightFormat.BF16 ? Bf16.Scalar(all[i + k]) : F16.Scalar(all[i + k]);
                    Assert.True(float.IsNaN(want) ? float.IsNaN(got[k]) : BitConverter.SingleToUInt32Bits(want) == BitConverter.SingleToUInt32Bits(got[k]),
                        $"0x{all[i + k]:x4}: scalar {want} vector {got[k]}");
                }
            }
        }
    }

    public static TheoryData<WeightFormat, int, int, int, int, SimdWidth> GemvCases()
    {
        var d = new TheoryData<WeightFormat, int, int, int, int, SimdWidth>();
        foreach (var width in new[] { SimdWidth.Scalar, SimdWidth.V256, SimdWidth.V512 })
        {
            d.Add(WeightFormat.BF16, 1, 7, 5, 1, width);
            d.Add(WeightFormat.BF16, 4, 333, 257, 3, width);
            d.Add(WeightFormat.BF16, 1, 2048, 130, 2, width); // the pair path's 64-input steps only
            d.Add(WeightFormat.BF16, 3, 96, 70, 2, width); // one 64-step and one 32-step
            d.Add(WeightFormat.BF16, 2, 31, 9, 1, width); // below one 32-input chunk: the widening path
            d.Add(WeightFormat.F16, 2, 2048, 300, 2, width);
            d.Add(WeightFormat.F16, 3, 100, 70, 2, width);
        }
        return d;
    }

    /// <summary>
    /// At each forced width, the 16-bit GEMV gives the fp32 GEMV's bits over the widened weights; bf16 at 512 bits
    /// (from 32 inputs) sums even and odd inputs apart, so there it agrees to float32 rounding of the sum's terms.
    /// </summary>
    [Theory]
    [MemberData(nameof(GemvCases))]
    public void Gemv16_IsBitIdenticalToGemvOverWidenedWeights(WeightFormat format, int rows, int inDim, int outDim, int threads, SimdWidth width)
    {
        var rng = new Rng((ulong)(rows * 1000 + inDim));
        float[] x = GradCheck.RandomArray(rng, rows * inDim), y0 = GradCheck.RandomArray(rng, rows * outDim);
        ushort[] w16 = Encode(GradCheck.RandomArray(rng, outDim * inDim), format);
        float[] wide = Decode(w16, format);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] want = (float[])y0.Clone(), got = (float[])y0.Clone();
            fixed (float* xp = x, wp = wide, a = want, b = got)
            fixed (ushort* hp = w16)
            {
                Gemv.Forward(a, xp, wp, rows, inDim, outDim, accumulate, threads, width);
                Gemv16.Forward(b, xp, hp, format, rows, inDim, outDim, accumulate, threads, width);
            }
            if (format == WeightFormat.BF16 && width == SimdWidth.V512 && inDim >= 32)
            {
                for (int r = 0; r < rows; r++)
                {
                    for (int o = 0; o < outDim; o++)
                    {
                        double abs = Math.Abs(accumulate ? y0[r * outDim + o] : 0);
                        for (int i = 0; i < inDim; i++)
                        {
                            abs += Math.Abs((double)x[r * inDim + i] * wide[o * inDim + i]);
                        }
                        int k = r * outDim + o;
                        Assert.True(Math.Abs(want[k] - got[k]) <= 1e-6 * abs + 1e-30, $"y[{r},{o}]: {got[k]} vs {want[k]} (Σ|terms| {abs})");
                    }
                }
            }
            else
            {
                Assert.Equal(want, got);
            }
        }
    }

    [Theory]
    [InlineData(WeightFormat.BF16, 5, 64, 40)]
    [InlineData(WeightFormat.F16, 37, 300, 4099)] // several panels, a ragged last one
    public void WidenedGemm_MatchesGemmOverWidenedWeights(WeightFormat format, int n, int inDim, int outDim)
    {
        var rng = new Rng((ulong)(n + inDim));
        float[] x = GradCheck.RandomArray(rng, n * inDim), y0 = GradCheck.RandomArray(rng, n * outDim);
        ushort[] w16 = Encode(GradCheck.RandomArray(rng, outDim * inDim), format);
        float[] wide = Decode(w16, format);
        var cx = new Compute(GemmFactory.Create("managed", 2), 2);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] want = (float[])y0.Clone(), got = (float[])y0.Clone();
            fixed (float* xp = x, wp = wide, a = want, b = got)
            fixed (ushort* hp = w16)
            {
                new NaiveGemm().Sgemm(false, true, n, outDim, inDim, 1f, xp, inDim, wp, inDim, accumulate ? 1f : 0f, a, outDim);
                WidenedGemm.Forward(cx, b, xp, hp, format, n, inDim, outDim, accumulate);
            }
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(Math.Abs(want[i] - got[i]) <= 1e-4 * (1 + Math.Abs(want[i])), $"y[{i}]: naive {want[i]}, widened {got[i]}");
            }
        }
    }
}
