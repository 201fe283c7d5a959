using System.Runtime.Intrinsics;

namespace Sift.Engine.Kernels.Cpu;

/// <summary>Which vector width an element-wise kernel or micro-kernel runs.</summary>
public enum SimdWidth
{
    /// <summary>Plain scalar loops: the reference every vector path is tested against.</summary>
    Scalar,

    /// <summary>Vector256 (AVX2).</summary>
    V256,

    /// <summary>Vector512 (AVX-512); runs, slowly, in software where not accelerated.</summary>
    V512,
}

/// <summary>
/// The vector width the element-wise kernels use: the widest accelerated one, unless
/// <c>SIFT_SIMD=scalar|v256|v512</c> asks for another; tests pass each width explicitly.
/// </summary>
public static class SimdPath
{
    /// <summary>The width in effect (kernels take an explicit width internally, so tests can run each).</summary>
    public static SimdWidth Width { get; } = Initial();

    /// <summary>The widest width this CPU accelerates.</summary>
    public static SimdWidth Best =>
        Vector512.IsHardwareAccelerated ? SimdWidth.V512
        : Vector256.IsHardwareAccelerated ? SimdWidth.V256
        : SimdWidth.Scalar;

    private static SimdWidth Initial() =>
        Environment.GetEnvironmentVariable("SIFT_SIMD")?.Trim().ToLowerInvariant() switch
        {
            "scalar" => SimdWidth.Scalar,
            "v256" or "avx2" => SimdWidth.V256,
            "v512" or "avx512" => SimdWidth.V512,
            _ => Best,
        };

}
