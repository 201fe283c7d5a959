using Sift.Core.Random;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Gemm;

namespace Sift.Engine.Tests.Kernels.Gemm;

/// <summary>The causal GEMM against the naive GEMM on the triangle each pattern promises.</summary>
public sealed unsafe class CausalGemmTests
{
    [Theory]
    [InlineData((int)CausalPattern.LowerOutput, false, 37, 37, 8)]
    [InlineData((int)CausalPattern.LowerOutput, false, 64, 64, 32)]
    [InlineData((int)CausalPattern.PrefixK, false, 53, 24, 53)]
    [InlineData((int)CausalPattern.PrefixK, false, 300, 16, 300)]
    [InlineData((int)CausalPattern.SuffixK, true, 41, 40, 41)]
    [InlineData((int)CausalPattern.SuffixK, true, 270, 8, 270)]
    [InlineData((int)CausalPattern.SuffixK, true, 530, 24, 530)] // k past two Kc chunks, starting mid-chunk
    [InlineData((int)CausalPattern.PrefixK, false, 520, 40, 520)]
    public void MatchesNaiveOnTheCausalPart(int patternId, bool transA, int m, int n, int k)
    {
        // Every micro-kernel the products can run (the 12×32 one runs in software where AVX-512 is missing), and the
        // two FMA tiles agree in bits (same Kc), so attention's output does not depend on which one this CPU picked.
        float[] wide = Run(MicroKernelKind.Fma512, (CausalPattern)patternId, transA, m, n, k);
        foreach (MicroKernelKind kernel in Runnable)
        {
            float[] got = Run(kernel, (CausalPattern)patternId, transA, m, n, k);
            if (kernel == MicroKernelKind.Fma256)
            {
                Assert.True(wide.AsSpan().SequenceEqual(got), "the 6×16 FMA tile differs in bits from the 12×32 one");
            }
        }
    }

    /// <summary>The 6×16 kernels this machine runs natively, and the scalar one.</summary>
    private static readonly MicroKernelKind[] Runnable =
    [
        MicroKernelKind.Scalar,
        .. System.Runtime.Intrinsics.X86.Fma.IsSupported && System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated
            ? new[] { MicroKernelKind.Fma256 } : [],
        .. System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? new[] { MicroKernelKind.Vector256NoFma } : [],
    ];

    [Fact]
    public void Fp32Products_UseTheManagedGemmsTile()
    {
        Assert.Equal(CausalGemm.RowTileOf(ManagedGemm.BestKernel), CausalGemm.Fp32.RowTile);
        Assert.Equal(ManagedGemm.BestKernel == MicroKernelKind.Fma512 ? 32 : 16, CausalGemm.Fp32.ColumnTile);
    }

    private static float[] Run(MicroKernelKind kernel, CausalPattern pattern, bool transA, int m, int n, int k)
    {
        var rng = new Rng((ulong)(m * 7 + n));
        // A square operand (PrefixK/SuffixK) is lower-triangular as stored, like attention's probabilities.
        int lda = transA ? m : k;
        float[] a = GradCheck.RandomArray(rng, (transA ? k : m) * lda);
        if (pattern != CausalPattern.LowerOutput)
        {
            for (int r = 0; r < m; r++)
            {
                for (int c = r + 1; c < m; c++)
                {
                    a[r * m + c] = 0; // stored rows are positions i, columns j ≤ i
                }
            }
        }
        float[] b = GradCheck.RandomArray(rng, k * n), c0 = GradCheck.RandomArray(rng, m * n);
        var packed = new float[CausalGemm.PackedLength(kernel, k, n)];
        var panel = new float[CausalGemm.RowTileOf(kernel) * k];
        var all = new List<float>();
        foreach (float beta in new[] { 0f, 1f })
        {
            float[] want = (float[])c0.Clone(), got = (float[])c0.Clone();
            fixed (float* ap = a, bp = b, wp = want, gp = got, pp = packed, sp = panel)
            {
                new NaiveGemm().Sgemm(transA, false, m, n, k, 0.5f, ap, lda, bp, n, beta, wp, n);
                CausalGemm.PackB(kernel, false, bp, n, k, n, pp);
                CausalGemm.Multiply(kernel, pattern, transA, ap, lda, m, n, k, pp, 0.5f, beta, gp, n, sp);
            }
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    if (pattern == CausalPattern.LowerOutput && j > i)
                    {
                        continue; // above the diagonal the output is unspecified
                    }
                    float e = want[i * n + j], g = got[i * n + j];
                    Assert.True(Math.Abs(e - g) <= 1e-4 * (1 + Math.Abs(e)), $"{kernel} {pattern} beta {beta} C[{i},{j}]: naive {e}, causal {g}");
                    all.Add(g);
                }
            }
        }
        return [.. all];
    }
}
