using Sift.Engine.Kernels.Cpu;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// Which OpenBLAS core (kernel set) should run on a CPU. A DYNAMIC_ARCH OpenBLAS that does not recognise a
/// CPU model falls back to a generic core (Prescott: SSE3) that is 4x slower than its AVX2/AVX-512 kernels
/// on the same machine; this says which core to ask for instead.
/// </summary>
public static class OpenBlasCore
{
    /// <summary>Cores that use neither AVX2 nor AVX-512 (OpenBLAS 0.3.x x86-64 DYNAMIC_ARCH names).</summary>
    private static readonly HashSet<string> s_generic = new(StringComparer.OrdinalIgnoreCase)
    {
        "Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Atom", "Core2", "Penryn", "Dunnington",
        "Nehalem", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "Athlon", "Bobcat", "Generic", "Unknown",
    };

    /// <summary>True for a core without AVX2 kernels (Sandybridge and the Bulldozer family have AVX but not AVX2 GEMM kernels).</summary>
    public static bool IsGeneric(string core) =>
        s_generic.Contains(core.Trim()) || core.Trim() is "Sandybridge" or "Bulldozer" or "Piledriver";

    /// <summary>
    /// The core to force when OpenBLAS chose <paramref name="chosen"/> on <paramref name="cpu"/>: SkylakeX on
    /// AVX-512 F/BW/DQ/VL, Haswell on AVX2+FMA; null when the choice is already not generic or nothing better runs.
    /// </summary>
    public static string? Better(string chosen, CpuInfo cpu)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        if (!IsGeneric(chosen))
        {
            return null;
        }
        return cpu.HasAvx512 ? "SkylakeX" : cpu.HasAvx2Fma ? "Haswell" : null;
    }

    /// <summary>Cores with AVX-512 GEMM kernels (OpenBLAS 0.3.x).</summary>
    private static readonly HashSet<string> s_avx512 = new(StringComparer.OrdinalIgnoreCase) { "SkylakeX", "Cooperlake", "SapphireRapids" };

    /// <summary>
    /// The AVX-512 core worth measuring against <paramref name="chosen"/>: SkylakeX when the CPU has AVX-512 F/BW/DQ/VL
    /// but OpenBLAS chose an AVX2 core (a build older than the CPU, or OPENBLAS_CORETYPE pinned to one); null otherwise (a
    /// generic choice is <see cref="Better"/>'s case). Unlike a generic core this one is replaced only when measured faster.
    /// </summary>
    public static string? Wider(string chosen, CpuInfo cpu)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        return cpu.HasAvx512 && !IsGeneric(chosen) && !s_avx512.Contains(chosen.Trim()) ? "SkylakeX" : null;
    }
}
