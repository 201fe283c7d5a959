using Sift.Engine.Kernels.Cpu;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>One machine's measurement of OpenBLAS's own core against a wider one, and the core kept.</summary>
internal sealed record OpenBlasCoreMeasurement(string Machine, string Core, string DefaultCore, double DefaultGflops,
    string WiderCore, double WiderGflops);

/// <summary>
/// Whether to replace the AVX2 core a DYNAMIC_ARCH OpenBLAS chose on an AVX-512 CPU (a build that predates the CPU)
/// by its AVX-512 core: a short (about 0.5 s) single-threaded sgemm of each, alternated, cached per
/// machine in <c>openblas-core.json</c> beside the GEMM calibration. Measured, not assumed, because AVX-512 is not
/// faster everywhere (Zen 4 splits it into two 256-bit halves); on Zen 5 SkylakeX's sgemm is 1.9x Haswell's (README).
/// <c>OPENBLAS_CORETYPE</c> set by the user wins.
/// </summary>
internal static class OpenBlasCoreChoice
{
    /// <summary>The cache file's name (beside gemm-calibration.json).</summary>
    public const string FileName = "openblas-core.json";

    /// <summary>The measured shape: the projections' size class (d 384–2048), one Kc block deep or two.</summary>
    private const int M = 1536, N = 1536, K = 512;

    /// <summary>The wider core must beat OpenBLAS's own choice by this factor to replace it (a tie keeps OpenBLAS's choice).</summary>
    internal const double Margin = 1.03;

    /// <summary>The cache file beside <see cref="GemmCalibration.DefaultPath"/>, or null when no cache directory is known.</summary>
    public static string? DefaultPath => GemmCalibration.DefaultPath is { } calibration ? Beside(calibration) : null;

    /// <summary>This cache's path in the folder of a GEMM calibration file.</summary>
    public static string Beside(string calibrationPath) => GemmCacheFile.Beside(calibrationPath, FileName);

    /// <summary>CPU model, family/model/stepping and SIMD flags, the OpenBLAS build and its own core choice: what decides the faster core.</summary>
    public static string MachineKey(string openBlasConfig, string defaultCore) =>
        string.Join(" | ", CpuInfo.Current.Identity, string.Join(',', CpuInfo.Current.SimdFlagsPresent), openBlasConfig, defaultCore);

    /// <summary>The cached measurement for <paramref name="machine"/> in <paramref name="path"/>, or a fresh one (saved).</summary>
    public static OpenBlasCoreMeasurement Choose(string? path, string machine, Func<string, OpenBlasCoreMeasurement> measure) =>
        GemmCacheFile.GetOrMeasure(path, GemmCacheJson.Default.ListOpenBlasCoreMeasurement, machine, e => e.Machine,
            e => e.Core == e.DefaultCore || e.Core == e.WiderCore, measure);

    /// <summary>The core to keep given each one's GFLOP/s: the wider one only when it is at least <see cref="Margin"/> faster.</summary>
    public static string Pick(string defaultCore, double defaultGflops, string widerCore, double widerGflops) =>
        widerGflops > defaultGflops * Margin ? widerCore : defaultCore;

    /// <summary>
    /// Both cores on one thread, alternated three times (a change in load hits both), each one's best; leaves
    /// <paramref name="lib"/> on <paramref name="defaultCore"/>. A core that cannot be loaded measures 0.
    /// </summary>
    public static OpenBlasCoreMeasurement Measure(OpenBlasLibrary lib, string machine, string defaultCore, string widerCore)
    {
        ArgumentNullException.ThrowIfNull(lib);
        var gemm = new SingleThreaded(lib);
        double gDefault = 0, gWider = 0;
        var budget = TimeSpan.FromMilliseconds(60);
        try
        {
            for (int round = 0; round < 3; round++)
            {
                if (lib.TrySetCore(widerCore))
                {
                    gWider = Math.Max(gWider, GemmBenchmark.MeasureGflops(gemm, M, N, K, budget));
                }
                if (lib.TrySetCore(defaultCore))
                {
                    gDefault = Math.Max(gDefault, GemmBenchmark.MeasureGflops(gemm, M, N, K, budget));
                }
            }
        }
        finally
        {
            lib.TrySetCore(defaultCore);
        }
        return new OpenBlasCoreMeasurement(machine, Pick(defaultCore, gDefault, widerCore, gWider), defaultCore,
            Math.Round(gDefault, 2), widerCore, Math.Round(gWider, 2));
    }

    /// <summary>OpenBLAS's sgemm on one thread, straight through the library (the calibration runs before any <see cref="OpenBlasGemm"/> exists).</summary>
    private sealed unsafe class SingleThreaded(OpenBlasLibrary lib) : IGemm
    {
        public string Name => "openblas-1";

        public void Sgemm(bool transA, bool transB, int m, int n, int k,
            float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        {
            lib.SetNumThreads(1);
            lib.Sgemm(OpenBlasLibrary.RowMajor, transA ? OpenBlasLibrary.Trans : OpenBlasLibrary.NoTrans,
                transB ? OpenBlasLibrary.Trans : OpenBlasLibrary.NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }
}
