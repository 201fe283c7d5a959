using Sift.Core.Random;
using Sift.Engine.IO;
using Sift.Engine.Kernels.Bf16Mixed;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Tests.Ops;
using Xunit.Abstractions;

namespace Sift.Engine.Tests.Kernels.Bf16Mixed;

/// <summary>
/// Attention's causal products under bf16-mixed (<see cref="Bf16CausalGemm"/>): each pattern against a reference that
/// rounds A and B to bf16 and sums in double, held to the fp32 accumulation bound of <see cref="Bf16GemmTests"/>; the
/// whole bf16 attention (forward and backward) against the scalar fp32 reference within bf16's rounding, and bit for
/// bit across thread counts. Skips (saying why) where bf16-mixed cannot run.
/// </summary>
public sealed unsafe class Bf16AttentionTests(ITestOutputHelper output)
{
    private bool Unavailable()
    {
        if (Bf16Gemm.UnavailableHere() is { } why)
        {
            output.WriteLine($"skipped: {why}");
            return true;
        }
        return false;
    }

    private static float Bf(float x) => FloatConversions.Bf16ToF32Scalar(FloatConversions.F32ToBf16Scalar(x));

    /// <summary>Lower-triangular [t, t] (zeros above the diagonal, as attention's probabilities are stored) or dense.</summary>
    private static float[] Matrix(Rng rng, int rows, int cols, bool lower)
    {
        var x = GradCheck.RandomArray(rng, rows * cols);
        for (int i = 0; lower && i < rows; i++)
        {
            Array.Clear(x, i * cols + i + 1, cols - i - 1);
        }
        return x;
    }

    [Theory]
    [InlineData(0, 5, 4)]
    [InlineData(0, 97, 64)]
    [InlineData(0, 130, 33)]
    [InlineData(1, 13, 8)]
    [InlineData(1, 97, 16)]
    [InlineData(1, 401, 64)]
    [InlineData(2, 12, 8)]
    [InlineData(2, 101, 33)]
    [InlineData(2, 401, 64)]
    public void EachPattern_MatchesTheBf16Reference(int patternValue, int t, int hd)
    {
        var pattern = (CausalPattern)patternValue; // 0 lower output, 1 prefix k, 2 suffix k
        if (Unavailable())
        {
            return;
        }
        var rng = new Rng((ulong)(t * 7 + hd + (int)pattern));
        // LowerOutput: S[t, t] = alpha·Q[t, hd]·Kᵀ; PrefixK: O[t, hd] = P·V; SuffixK: dK[t, hd] = beta·dK + Pᵀ·Q.
        bool lowerOut = pattern == CausalPattern.LowerOutput, transA = pattern == CausalPattern.SuffixK;
        int k = lowerOut ? hd : t, n = lowerOut ? t : hd, lda = k + 3, ldc = n + 5;
        float[] a = lowerOut ? GradCheck.RandomArray(rng, t * lda) : Matrix(rng, t, lda, lower: true);
        float[] b = GradCheck.RandomArray(rng, k * n); // op(B) [k, n]: for LowerOutput stored as K [t, hd] (transposed)
        float[] c0 = GradCheck.RandomArray(rng, t * ldc), c = (float[])c0.Clone();
        float alpha = lowerOut ? 0.125f : 1f, beta = transA ? 1f : 0f;
        float A(int i, int p) => transA ? a[p * lda + i] : a[i * lda + p];
        float B(int p, int j) => lowerOut ? b[j * hd + p] : b[p * n + j];
        fixed (float* ap = a, bp = b, cp = c)
        {
            float* packed = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(Bf16CausalGemm.PackedFloats(k, n) * 4), 64);
            try
            {
                Bf16CausalGemm.Pack(lowerOut, bp, lowerOut ? hd : n, k, n, packed);
                Bf16CausalGemm.Run(pattern, transA, ap, lda, t, n, k, packed, alpha, beta, cp, ldc, null);
            }
            finally
            {
                System.Runtime.InteropServices.NativeMemory.AlignedFree(packed);
            }
        }
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (lowerOut && j > i)
                {
                    continue; // only j ≤ i is defined (diagonal tiles are computed whole)
                }
                // op(A) outside the triangle is exactly zero, so the full sum is the pattern's sum.
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double prod = (double)Bf(A(i, p)) * Bf(B(p, j));
                    sum += prod;
                    magnitude += Math.Abs(prod);
                }
                double old = beta == 0 ? 0 : c0[i * ldc + j];
                double want = alpha * sum + beta * old, tol = (k + 4) * Math.Pow(2, -23) * (Math.Abs(alpha) * magnitude + Math.Abs(beta * old)) + 1e-30;
                Assert.True(Math.Abs(c[i * ldc + j] - want) <= tol, $"{pattern} t={t} hd={hd}: C[{i},{j}] = {c[i * ldc + j]}, bf16 reference {want} (tolerance {tol:G3})");
            }
            for (int j = n; j < ldc; j++)
            {
                Assert.Equal(c0[i * ldc + j], c[i * ldc + j]); // past n: untouched
            }
        }
    }

    private static AttentionKernelTests.Result Run(bool bf16, bool reference, float[] qkv, float[] dOut, int B, int T, int heads, int kvHeads, int hd, int threads, int window) =>
        AttentionKernelTests.Run(reference, qkv, dOut, B, T, heads, kvHeads, hd, threads, window, bf16);

    /// <summary>Largest |expected − actual| over the largest |expected|: bf16 inputs carry 2⁻⁹ relative rounding each.</summary>
    private static double RelativeError(float[] expected, float[] actual)
    {
        double err = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"element {i} is {actual[i]}");
            err = Math.Max(err, Math.Abs(expected[i] - actual[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return err / scale;
    }

    [Theory]
    [InlineData(2, 5, 2, 2, 4, 0)]
    [InlineData(1, 50, 4, 2, 8, 0)]
    [InlineData(2, 97, 6, 2, 16, 0)]
    [InlineData(1, 130, 3, 1, 64, 0)]
    [InlineData(1, 400, 2, 1, 32, 0)]
    [InlineData(1, 97, 4, 2, 16, 7)]
    public void Bf16Attention_TracksTheFp32Reference_AndKeepsExactZeros(int B, int T, int heads, int kvHeads, int hd, int window)
    {
        if (Unavailable())
        {
            return;
        }
        var rng = new Rng((ulong)(T * 13 + heads + window));
        int stride = (heads + 2 * kvHeads) * hd;
        float[] qkv = GradCheck.RandomArray(rng, B * T * stride), dOut = GradCheck.RandomArray(rng, B * T * heads * hd);
        var want = Run(false, true, qkv, dOut, B, T, heads, kvHeads, hd, 1, window);
        var got = Run(true, false, qkv, dOut, B, T, heads, kvHeads, hd, 2, window);
        var fp32 = Run(false, false, qkv, dOut, B, T, heads, kvHeads, hd, 2, window);
        double outErr = RelativeError(want.Out, got.Out), dErr = RelativeError(want.Dqkv, got.Dqkv), pErr = RelativeError(want.Probs, got.Probs);
        output.WriteLine($"bf16 vs fp32 reference: out {outErr:G3}, probs {pErr:G3}, dqkv {dErr:G3} (of the largest magnitude)");
        Assert.True(outErr < 0.02 && pErr < 0.02 && dErr < 0.02, $"bf16 attention too far from fp32: out {outErr:G3}, probs {pErr:G3}, dqkv {dErr:G3}");
        // The rounding really happens (bf16 differs from the fp32 kernel), yet every probability row still sums to 1
        // and is exactly 0 above the diagonal and outside the window.
        Assert.NotEqual(fp32.Out, got.Out);
        for (int r = 0; r < B * heads * T; r++)
        {
            int i = r % T;
            double sum = 0;
            for (int j = 0; j < T; j++)
            {
                float p = got.Probs[(long)r * T + j];
                if (j > i || (window > 0 && j <= i - window))
                {
                    Assert.Equal(0f, p);
                }
                sum += p;
            }
            Assert.Equal(1.0, sum, 5);
        }
    }

    [Fact]
    public void Bf16Attention_IsBitIdenticalForAnyThreadCount()
    {
        if (Unavailable())
        {
            return;
        }
        var rng = new Rng(11);
        int B = 3, T = 70, heads = 4, kvHeads = 2, hd = 8, stride = (heads + 2 * kvHeads) * hd;
        float[] qkv = GradCheck.RandomArray(rng, B * T * stride), dOut = GradCheck.RandomArray(rng, B * T * heads * hd);
        var one = Run(true, false, qkv, dOut, B, T, heads, kvHeads, hd, 1, 0);
        var three = Run(true, false, qkv, dOut, B, T, heads, kvHeads, hd, 3, 0);
        Assert.Equal(one.Out, three.Out);
        Assert.Equal(one.Probs, three.Probs);
        Assert.Equal(one.Dqkv, three.Dqkv);
    }
}
