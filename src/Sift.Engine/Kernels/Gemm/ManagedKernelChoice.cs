using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Sift.Engine.Kernels.Cpu;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>One machine's measurement of the managed GEMM's two FMA micro-kernels and the one chosen.</summary>
internal sealed record ManagedKernelMeasurement(string Machine, string Kernel, double Fma512Gflops, double Fma256Gflops);

/// <summary>
/// The managed GEMM's default micro-kernel where both FMA kernels can run (AVX-512): the 12×32 Vector512 one or the
/// 6×16 Vector256 one, whichever a short (about 0.5 s) single-threaded measurement found faster, cached per machine in
/// <c>managed-kernel.json</c> beside the GEMM calibration. Both give the same bits (same Kc), so the choice changes
/// speed only. Why measure: Zen 4 runs AVX-512 as two 256-bit halves, and there the 6×16 kernel is the faster one
/// (2048³ on 2 threads: 181–207 against 173–185 GFLOP/s); CPUs with two 512-bit FMA units should favour the 12×32 one.
/// <c>SIFT_GEMM_KERNEL=fma512|fma256</c> overrides (to compare the tiles); without AVX-512 there is nothing to choose.
/// </summary>
internal static class ManagedKernelChoice
{
    /// <summary>The cache file's name (beside gemm-calibration.json).</summary>
    public const string FileName = "managed-kernel.json";

    /// <summary>The measured shape: one Kc block deep, large enough for both tiles to reach their rate (at 768² the two were within 1–3% on Zen 4, against 2–7% here).</summary>
    private const int M = 1536, N = 1536, K = 512;

    /// <summary>The cache file beside <see cref="GemmCalibration.DefaultPath"/>, or null when no cache directory is known.</summary>
    public static string? DefaultPath => GemmCalibration.DefaultPath is { } calibration ? Beside(calibration) : null;

    /// <summary>This cache's path in the folder of a GEMM calibration file.</summary>
    public static string Beside(string calibrationPath) => GemmCacheFile.Beside(calibrationPath, FileName);

    /// <summary>CPU model, family/model/stepping and SIMD flags: what decides which tile is faster.</summary>
    public static string MachineKey =>
        string.Join(" | ", CpuInfo.Current.Identity, string.Join(',', CpuInfo.Current.SimdFlagsPresent));

    /// <summary>The kernel this machine runs by default: the widest accelerated one without AVX-512, else an override, else the cached or measured faster one.</summary>
    public static MicroKernelKind Resolve(string? path, string? overrideName)
    {
        if (!(Vector512.IsHardwareAccelerated && Avx512F.IsSupported))
        {
            return Fma.IsSupported && Vector256.IsHardwareAccelerated ? MicroKernelKind.Fma256
                : Vector256.IsHardwareAccelerated ? MicroKernelKind.Vector256NoFma
                : MicroKernelKind.Scalar;
        }
        return overrideName?.Trim().ToLowerInvariant() switch
        {
            "fma512" => MicroKernelKind.Fma512,
            "fma256" => MicroKernelKind.Fma256,
            _ => Choose(path, MachineKey, Measure).Kernel == "fma256" ? MicroKernelKind.Fma256 : MicroKernelKind.Fma512,
        };
    }

    /// <summary>The cached measurement for <paramref name="machine"/> in <paramref name="path"/>, or a fresh one (saved).</summary>
    public static ManagedKernelMeasurement Choose(string? path, string machine, Func<string, ManagedKernelMeasurement> measure) =>
        GemmCacheFile.GetOrMeasure(path, GemmCacheJson.Default.ListManagedKernelMeasurement, machine, e => e.Machine,
            e => e.Kernel is "fma512" or "fma256", measure);

    /// <summary>Both kernels, single-threaded, alternated three times (a change in load hits both); each one's best.</summary>
    private static ManagedKernelMeasurement Measure(string machine)
    {
        var wide = new ManagedGemm(1, GemmBlocking.Default, MicroKernelKind.Fma512);
        var narrow = new ManagedGemm(1, GemmBlocking.Default, MicroKernelKind.Fma256);
        double g512 = 0, g256 = 0;
        var budget = TimeSpan.FromMilliseconds(60);
        for (int round = 0; round < 3; round++)
        {
            g512 = Math.Max(g512, GemmBenchmark.MeasureGflops(wide, M, N, K, budget));
            g256 = Math.Max(g256, GemmBenchmark.MeasureGflops(narrow, M, N, K, budget));
        }
        return new ManagedKernelMeasurement(machine, g256 > g512 ? "fma256" : "fma512", Math.Round(g512, 2), Math.Round(g256, 2));
    }
}
