using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>Throughput measurement of an <see cref="IGemm"/> (used by <c>sift bench</c>).</summary>
public static class GemmBenchmark
{
    /// <summary>
    /// Best-of GFLOP/s (2·m·n·k per call) for C = op(A)·op(B) on uniform(−0.5, 0.5) inputs from a fixed seed:
    /// one untimed warm-up call, then timed calls until <paramref name="budget"/> is spent (at least one).
    /// </summary>
    public static unsafe double MeasureGflops(IGemm gemm, int m, int n, int k, TimeSpan budget,
        bool transA = false, bool transB = false)
    {
        ArgumentNullException.ThrowIfNull(gemm);
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        nuint aLen = (nuint)m * (nuint)k, bLen = (nuint)k * (nuint)n, cLen = (nuint)m * (nuint)n;
        float* a = (float*)NativeMemory.AlignedAlloc(aLen * sizeof(float), 64);
        float* b = (float*)NativeMemory.AlignedAlloc(bLen * sizeof(float), 64);
        float* c = (float*)NativeMemory.AlignedAlloc(cLen * sizeof(float), 64);
        try
        {
            var rng = new Random(20240601);
            Fill(rng, a, aLen);
            Fill(rng, b, bLen);
            new Span<float>(c, checked((int)cLen)).Clear();
            int lda = transA ? m : k, ldb = transB ? k : n;

            gemm.Sgemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
            double best = double.MaxValue;
            var total = Stopwatch.StartNew();
            do
            {
                long start = Stopwatch.GetTimestamp();
                gemm.Sgemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            while (total.Elapsed < budget);
            return 2.0 * m * n * k / best / 1e9;
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
        }
    }

    private static unsafe void Fill(Random rng, float* p, nuint length)
    {
        for (nuint i = 0; i < length; i++)
        {
            p[i] = rng.NextSingle() - 0.5f;
        }
    }
}
