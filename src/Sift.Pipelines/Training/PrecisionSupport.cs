using Sift.Engine.Kernels.Bf16Mixed;
using Sift.Engine.Kernels.Cpu;

namespace Sift.Pipelines.Training;

/// <summary>Why a training precision cannot run here: the message names the missing CPU flag, or the missing native kernel.</summary>
internal static class PrecisionSupport
{
    /// <summary>
    /// The reason bf16-mixed training is refused on <paramref name="cpu"/> given the native kernel's load error
    /// (null: loaded) and its own CPUID check; null when it can run.
    /// </summary>
    public static string? Bf16MixedUnavailable(CpuInfo cpu, string? libraryError, bool libraryCpuOk) =>
        Bf16Gemm.Unavailable(cpu, libraryError, libraryCpuOk);

    /// <summary>The reason bf16-mixed training is refused on this machine; null when it can run.</summary>
    public static string? Bf16MixedUnavailableHere() => Bf16Gemm.UnavailableHere();
}
