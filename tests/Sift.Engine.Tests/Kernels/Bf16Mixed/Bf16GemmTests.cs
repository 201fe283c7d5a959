using Sift.Core;
using Sift.Engine.IO;
using Sift.Engine.Kernels.Bf16Mixed;
using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Tests.Kernels.Gemm;
using Xunit.Abstractions;

namespace Sift.Engine.Tests.Kernels.Bf16Mixed;

/// <summary>
/// The native bf16 GEMM against a C# reference that rounds A and B to bf16 (FloatConversions.F32ToBf16Scalar) and
/// sums in double. Each bf16·bf16 product is exact in float32 (8 + 8 significant bits), so the kernel's only error
/// is its float32 accumulation plus the alpha/beta step: |error| ≤ (k + 4)·2⁻²³·(|alpha|·Σ|a·b| + |beta·c|), the
/// bound the fp32 GEMMs are held to. Skips (saying why) where the CPU lacks AVX512_BF16 or the library was not built.
/// </summary>
public sealed class Bf16GemmTests(ITestOutputHelper output)
{
    private Bf16Gemm? Create(int threads)
    {
        if (Bf16Gemm.UnavailableHere() is { } why)
        {
            output.WriteLine($"skipped: {why}");
            return null;
        }
        return Bf16Gemm.Create(threads);
    }

    private static float Bf(float x) => FloatConversions.Bf16ToF32Scalar(FloatConversions.F32ToBf16Scalar(x));

    /// <summary>Asserts the bound above for every element and that C's padding survived; returns the largest |error|/tolerance against unrounded inputs.</summary>
    private static double AssertMatchesBf16Reference(GemmCase g, float[] actual)
    {
        float A(int i, int p) => g.TransA ? g.A[p * g.Lda + i] : g.A[i * g.Lda + p];
        float B(int p, int j) => g.TransB ? g.B[j * g.Ldb + p] : g.B[p * g.Ldb + j];
        double worstUnrounded = 0;
        for (int i = 0; i < g.M; i++)
        {
            for (int j = 0; j < g.N; j++)
            {
                double sum = 0, magnitude = 0, exact = 0;
                for (int p = 0; p < g.K; p++)
                {
                    double prod = (double)Bf(A(i, p)) * Bf(B(p, j));
                    sum += prod;
                    magnitude += Math.Abs(prod);
                    exact += (double)A(i, p) * B(p, j);
                }
                double old = g.Beta == 0 ? 0 : g.C0[i * g.Ldc + j];
                double want = g.Alpha * sum + g.Beta * old;
                double tol = (g.K + 4) * Math.Pow(2, -23) * (Math.Abs(g.Alpha) * magnitude + Math.Abs(g.Beta * old)) + 1e-30;
                float got = actual[i * g.Ldc + j];
                if (!(Math.Abs(got - want) <= tol))
                {
                    Assert.Fail($"{g.Describe()}: C[{i},{j}] = {got}, bf16 reference {want} (tolerance {tol:G3})");
                }
                worstUnrounded = Math.Max(worstUnrounded, Math.Abs(got - (g.Alpha * exact + g.Beta * old)) / tol);
            }
            for (int j = g.N; j < g.Ldc && i * g.Ldc + j < actual.Length; j++)
            {
                Assert.True(actual[i * g.Ldc + j] == GemmCase.Sentinel, $"{g.Describe()}: padding C[{i},{j}] was overwritten");
            }
        }
        return worstUnrounded;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void MatchesTheBf16Reference_OverOddShapesStridesAndScalings(bool transA, bool transB)
    {
        if (Create(2) is not { } gemm)
        {
            return;
        }
        (float, float)[] scalings = [(1f, 0f), (1f, 1f), (-0.5f, 2f), (2.5f, -0.75f)];
        int index = 0;
        double worstUnrounded = 0;
        foreach (int m in new[] { 1, 7, 12, 13, 100 })
        {
            foreach (int n in new[] { 1, 17, 32, 33, 65 })
            {
                foreach (int k in new[] { 1, 2, 3, 31, 513, 1030 })
                {
                    var (alpha, beta) = scalings[index % scalings.Length];
                    int pad = index % 3 == 0 ? 3 : 0;
                    var g = GemmCase.Create(index, transA, transB, m, n, k, alpha, beta, pad, 2 * pad, pad + 1);
                    worstUnrounded = Math.Max(worstUnrounded, AssertMatchesBf16Reference(g, g.Run(gemm)));
                    index++;
                }
            }
        }
        // The inputs really are rounded: against the unrounded product the error is far outside the fp32 bound.
        Assert.True(worstUnrounded > 10, $"largest error against unrounded inputs is only {worstUnrounded:F2}x the fp32 bound");
    }

    [Fact]
    public void EdgeCases_PastEveryBlockSize_WideStrides_NaNInC_ZeroKAndAlpha()
    {
        if (Create(2) is not { } gemm)
        {
            return;
        }
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                foreach (var g in new[]
                {
                    GemmCase.Create(1, ta, tb, 37, 45, 29, 1f, 0f, 61, 17, 100),
                    GemmCase.Create(2, ta, tb, 50, 70, 300, 0.75f, 0f, nanC: true),  // beta = 0 ignores NaN in C
                    GemmCase.Create(3, ta, tb, 20, 30, 0, 1f, 0f, nanC: true),       // k = 0: C = 0
                    GemmCase.Create(4, ta, tb, 20, 30, 0, 1f, -2f),
                    GemmCase.Create(5, ta, tb, 20, 30, 40, 0f, 0.5f),                // alpha = 0: C = beta·C
                    GemmCase.Create(6, ta, tb, 130, 4200, 3, 1f, 1f, 1, 1, 5),      // n past the 4096-column block
                    GemmCase.Create(7, ta, tb, 250, 40, 1100, -1f, 0.25f),           // m past the 96-row block, k past 512 (odd pairs)
                    GemmCase.Create(8, ta, tb, 3, 1000, 64, 1f, 0f),                 // wide: split by columns
                })
                {
                    AssertMatchesBf16Reference(g, g.Run(gemm));
                }
            }
        }
    }

    [Fact]
    public void ResultIsBitIdentical_ForEveryThreadCount()
    {
        if (Create(1) is not { } one)
        {
            return;
        }
        foreach (var g in new[] { GemmCase.Create(11, false, true, 203, 150, 700), GemmCase.Create(12, true, false, 90, 333, 257) })
        {
            float[] expected = g.Run(one);
            foreach (int threads in new[] { 2, 3, 5 })
            {
                Assert.Equal(expected, g.Run(Bf16Gemm.Create(threads)));
            }
        }
    }

    [Fact]
    public void Refusal_NamesTheMissingFlag_OrTheMissingLibrary()
    {
        var without = CpuInfo.Parse("model name\t: AMD EPYC 7B13\nflags\t: avx2 fma avx512f avx512bw avx512vl\n");
        var with = CpuInfo.Parse("model name\t: AMD EPYC 9B14\nflags\t: avx2 fma avx512f avx512bw avx512vl avx512_bf16\n");
        string lacks = Bf16Gemm.Unavailable(without, null, false)!;
        Assert.Contains("avx512_bf16", lacks);
        Assert.Contains("AVX512_BF16", lacks);
        Assert.Contains("AMD EPYC 7B13", lacks);
        Assert.Contains("lacks", lacks);
        // The flag is what is missing even where the library would also be: the CPU is named first.
        Assert.Contains("avx512_bf16", Bf16Gemm.Unavailable(without, "the native bf16 kernel was not built", false)!);
        string notBuilt = Bf16Gemm.Unavailable(with, "the native bf16 kernel was not built (x is missing)", false)!;
        Assert.Contains("was not built", notBuilt);
        Assert.Contains("fp32", notBuilt);
        Assert.Contains("avx512_bf16", Bf16Gemm.Unavailable(with, null, false)!); // CPUID disagrees with /proc/cpuinfo
        Assert.Null(Bf16Gemm.Unavailable(with, null, true));
    }

    [Fact]
    public void TrainingCompute_Bf16MixedRunsEveryProjectionAndAttentionInBf16()
    {
        var fp32 = GemmFactory.CreateCompute("managed", 1, "fp32");
        Assert.Equal("managed", fp32.Gemm.Name);
        Assert.False(fp32.Bf16Attention);
        Assert.Throws<SiftException>(() => GemmFactory.CreateCompute("managed", 1, "fp8"));
        if (Create(1) is null)
        {
            return;
        }
        var mixed = GemmFactory.CreateCompute("managed", 1, "bf16-mixed");
        Assert.Equal("bf16", mixed.Gemm.Name);
        Assert.True(mixed.Bf16Attention);
    }

    [Fact]
    public void Create_RefusesWithTheReason_WhereUnavailable()
    {
        if (Bf16Gemm.UnavailableHere() is { } why)
        {
            Assert.Equal(why, Assert.Throws<SiftException>(() => Bf16Gemm.Create(1)).Message);
        }
        else
        {
            Assert.Equal("bf16", Bf16Gemm.Create(1).Name);
        }
        Assert.Throws<SiftException>(() => Bf16Gemm.Create(0));
    }
}
