using System.Runtime.Intrinsics;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Gemm;

namespace Sift.Engine.Tests.Kernels.Gemm;

public sealed class ManagedGemmTests
{
    /// <summary>Small blocks so modest matrices cross every Kc/Mc/Nc boundary.</summary>
    private static readonly GemmBlocking Tiny = new(8, 12, 32);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void AllShapes_MatchNaive(bool transA, bool transB) =>
        GemmConformance.AllShapes(new ManagedGemm(1), transA, transB);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void AllShapes_TwoThreadsTinyBlocks_MatchNaive(bool transA, bool transB) =>
        GemmConformance.AllShapes(new ManagedGemm(2, Tiny, MicroKernelKind.Auto), transA, transB);

    [Fact]
    public void EdgeCases_MatchNaive()
    {
        GemmConformance.EdgeCases(new ManagedGemm(1));
        GemmConformance.EdgeCases(new ManagedGemm(2));
        GemmConformance.EdgeCases(new ManagedGemm(3, Tiny, MicroKernelKind.Auto));
    }

    [Theory]
    [InlineData((int)MicroKernelKind.Fma512)]
    [InlineData((int)MicroKernelKind.Fma256)]
    [InlineData((int)MicroKernelKind.Vector256NoFma)]
    [InlineData((int)MicroKernelKind.Scalar)]
    public void EveryMicroKernel_MatchesNaive(int kernel)
    {
        var kind = (MicroKernelKind)kernel;
        if ((kind == MicroKernelKind.Fma256 && !System.Runtime.Intrinsics.X86.Fma.IsSupported)
            || (kind is MicroKernelKind.Fma256 or MicroKernelKind.Vector256NoFma && !Vector256.IsHardwareAccelerated))
        {
            return; // the kernel cannot run on this CPU (Fma512 runs everywhere: emulated where not accelerated)
        }
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 17, 5), (13, 33, 20), (100, 50, 257) })
                {
                    var g = GemmCase.Create(m * n + k, ta, tb, m, n, k, 1.5f, 0.5f, 1, 2, 3);
                    g.AssertMatchesNaive(g.Run(new ManagedGemm(1, Tiny, kind)), kind.ToString());
                    g.AssertMatchesNaive(g.Run(new ManagedGemm(2, GemmBlocking.Default, kind)), kind.ToString());
                }
            }
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Fma512_GivesTheSameBitsAsFma256(bool transA, bool transB)
    {
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            return; // no FMA256 reference on this CPU
        }
        // Both kernels compute every element as the same chain of fused multiply-adds over each Kc block.
        foreach (var (m, n, k) in new[] { (1, 1, 1), (13, 33, 20), (100, 70, 600), (25, 129, 257) })
        {
            var g = GemmCase.Create(m * 7 + n + k, transA, transB, m, n, k, 0.75f, 0.5f, 2, 1, 3);
            float[] f256 = g.Run(new ManagedGemm(1, GemmBlocking.Default, MicroKernelKind.Fma256));
            Assert.Equal(f256, g.Run(new ManagedGemm(1, GemmBlocking.Default, MicroKernelKind.Fma512)));
            Assert.Equal(f256, g.Run(new ManagedGemm(2, GemmBlocking.Default, MicroKernelKind.Fma512)));
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Results_AreBitIdentical_ForAnyThreadCount(bool transA, bool transB)
    {
        foreach (var (m, n, k) in new[] { (300, 500, 700), (5, 3000, 64), (257, 33, 1000) })
        {
            var g = GemmCase.Create(m + n + k, transA, transB, m, n, k, 0.5f, 1.25f, 3, 1, 2);
            float[] one = g.Run(new ManagedGemm(1));
            Assert.Equal(one, g.Run(new ManagedGemm(2)));
            Assert.Equal(one, g.Run(new ManagedGemm(3)));
            Assert.Equal(one, g.Run(new SerialGemm()));
            g.AssertMatchesNaive(one, "managed");

            // Mc and Nc only move work between threads; with the same Kc the bits cannot change.
            var blocks = new GemmBlocking(GemmBlocking.Default.Kc, 18, 48);
            Assert.Equal(one, g.Run(new ManagedGemm(1, blocks, MicroKernelKind.Auto)));
            Assert.Equal(one, g.Run(new ManagedGemm(3, blocks, MicroKernelKind.Auto)));
        }
    }

    [Fact]
    public void SgemmSerial_IsSafeInsideParallelFor()
    {
        GemmCase[] cases = Enumerable.Range(0, 24)
            .Select(i => GemmCase.Create(i, i % 2 == 0, i % 3 == 0, 40 + i, 64, 50 + 3 * i))
            .ToArray();
        float[][] sequential = cases.Select(g => g.Run(new SerialGemm())).ToArray();
        var parallel = new float[cases.Length][];
        Parallel.For(0, cases.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => parallel[i] = cases[i].Run(new SerialGemm()));
        for (int i = 0; i < cases.Length; i++)
        {
            Assert.Equal(sequential[i], parallel[i]);
            cases[i].AssertMatchesNaive(parallel[i], "serial");
        }
    }

    [Fact]
    public unsafe void SingleThreadedCalls_DoNotAllocate_InSteadyState()
    {
        var gemm = new ManagedGemm(1);
        var g = GemmCase.Create(1, false, true, 130, 70, 300);
        float[] c = (float[])g.C0.Clone();
        fixed (float* a = g.A, b = g.B, pc = c)
        {
            // Steady state: both entry points once first (per-thread packing buffers, JIT of their first calls).
            gemm.Sgemm(false, true, g.M, g.N, g.K, 1f, a, g.Lda, b, g.Ldb, 0f, pc, g.Ldc);
            ManagedGemm.SgemmSerial(false, true, g.M, g.N, g.K, 1f, a, g.Lda, b, g.Ldb, 0f, pc, g.Ldc);
            long before = GC.GetAllocatedBytesForCurrentThread();
            gemm.Sgemm(false, true, g.M, g.N, g.K, 1f, a, g.Lda, b, g.Ldb, 0f, pc, g.Ldc);
            ManagedGemm.SgemmSerial(false, true, g.M, g.N, g.K, 1f, a, g.Lda, b, g.Ldb, 0f, pc, g.Ldc);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }
    }

    [Fact]
    public unsafe void InvalidStridesOrSizes_Throw()
    {
        var gemm = new ManagedGemm(1);
        float[] buf = new float[64];
        fixed (float* p = buf)
        {
            float* q = p;
            Assert.Throws<ArgumentOutOfRangeException>(() => gemm.Sgemm(false, false, 4, 4, 4, 1f, q, 3, q, 4, 0f, q, 4));
            Assert.Throws<ArgumentOutOfRangeException>(() => gemm.Sgemm(true, false, 5, 4, 4, 1f, q, 4, q, 4, 0f, q, 4));
            Assert.Throws<ArgumentOutOfRangeException>(() => gemm.Sgemm(false, true, 4, 4, 6, 1f, q, 6, q, 4, 0f, q, 4));
            Assert.Throws<ArgumentOutOfRangeException>(() => gemm.Sgemm(false, false, 4, 4, 4, 1f, q, 4, q, 4, 0f, q, 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => gemm.Sgemm(false, false, -1, 4, 4, 1f, q, 4, q, 4, 0f, q, 4));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new ManagedGemm(0));
    }

    /// <summary>Adapts the static serial entry point to IGemm so the case helpers can drive it.</summary>
    private sealed class SerialGemm : IGemm
    {
        public string Name => "serial";

        public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k,
            float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
            ManagedGemm.SgemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
