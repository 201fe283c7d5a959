using System.Runtime.InteropServices;

namespace Sift.Engine.Kernels.Bf16Mixed;

/// <summary>
/// libsiftbf16.so (native/bf16gemm/bf16gemm.c, compiled by gcc at build time on Linux x64), loaded once from the
/// directory of the assemblies. Missing where the build could not compile it; <see cref="Instance"/> is then null
/// and <see cref="LoadError"/> says why, so callers refuse bf16-mixed with a message instead of failing at a call.
/// </summary>
internal sealed unsafe class Bf16Library
{
    /// <summary>The file name the build writes next to the assemblies.</summary>
    public const string FileName = "libsiftbf16.so";

    private static readonly Lazy<(Bf16Library? Lib, string? Error)> s_instance = new(Load);

    private Bf16Library(nint handle)
    {
        Sgemm = (delegate* unmanaged<int, int, int, int, int, float, float*, nint, float*, nint, float, float*, nint, int>)
            NativeLibrary.GetExport(handle, "sift_bf16_sgemm");
        Round = (delegate* unmanaged<float*, ushort*, nint, void>)NativeLibrary.GetExport(handle, "sift_bf16_round");
        DotPeak = (delegate* unmanaged<nint, double>)NativeLibrary.GetExport(handle, "sift_bf16_dot_peak");
        CpuSupported = ((delegate* unmanaged<int>)NativeLibrary.GetExport(handle, "sift_bf16_cpu_supported"))() != 0;
        PackedWords = (delegate* unmanaged<int, int, nint>)NativeLibrary.GetExport(handle, "sift_bf16_packed_words");
        PackB = (delegate* unmanaged<int, float*, nint, int, int, uint*, void>)NativeLibrary.GetExport(handle, "sift_bf16_pack_b");
        Causal = (delegate* unmanaged<int, int, int, int, int, float, float*, nint, uint*, float, float*, nint, int>)
            NativeLibrary.GetExport(handle, "sift_bf16_causal");
    }

    /// <summary>The loaded library, or null (see <see cref="LoadError"/>).</summary>
    public static Bf16Library? Instance => s_instance.Value.Lib;

    /// <summary>Why <see cref="Instance"/> is null; null when it loaded.</summary>
    public static string? LoadError => s_instance.Value.Error;

    /// <summary>sift_bf16_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc): 0, or -1 when out of memory.</summary>
    public delegate* unmanaged<int, int, int, int, int, float, float*, nint, float*, nint, float, float*, nint, int> Sgemm { get; }

    /// <summary>sift_bf16_round(src, dst, n): the rounding the kernel applies while packing, for tests.</summary>
    public delegate* unmanaged<float*, ushort*, nint, void> Round { get; }

    /// <summary>sift_bf16_packed_words(k, n): 32-bit words of a whole-k packed op(B) [k, n] for <see cref="Causal"/>.</summary>
    public delegate* unmanaged<int, int, nint> PackedWords { get; }

    /// <summary>sift_bf16_pack_b(transB, b, ldb, k, n, dst): packs op(B) [k, n] as bf16 pairs for <see cref="Causal"/>.</summary>
    public delegate* unmanaged<int, float*, nint, int, int, uint*, void> PackB { get; }

    /// <summary>
    /// sift_bf16_causal(pattern, transA, m, n, k, alpha, a, lda, packedB, beta, c, ldc): one head's causal product
    /// (pattern 0 lower output, 1 prefix k, 2 suffix k, as <c>CausalPattern</c>); 0, or -1 when out of memory.
    /// </summary>
    public delegate* unmanaged<int, int, int, int, int, float, float*, nint, uint*, float, float*, nint, int> Causal { get; }

    /// <summary>sift_bf16_dot_peak(iterations): runs iterations × 24 independent VDPBF16PS and returns the flops done.</summary>
    public delegate* unmanaged<nint, double> DotPeak { get; }

    /// <summary>gcc's <c>__builtin_cpu_supports</c> for avx512bf16, avx512bw and avx512vl (CPUID, not /proc/cpuinfo).</summary>
    public bool CpuSupported { get; }

    private static (Bf16Library?, string?) Load()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return (null, $"the native bf16 kernel is built only for Linux x64 (this is {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture})");
        }
        string path = Path.Combine(AppContext.BaseDirectory, FileName);
        if (!File.Exists(path))
        {
            return (null, $"the native bf16 kernel was not built ({path} is missing: the build compiles native/bf16gemm/bf16gemm.c " +
                "with gcc, and skips it with a message when gcc is not installed); install gcc and rebuild");
        }
        if (!NativeLibrary.TryLoad(path, out nint handle))
        {
            return (null, $"the native bf16 kernel {path} could not be loaded");
        }
        return (new Bf16Library(handle), null);
    }
}
