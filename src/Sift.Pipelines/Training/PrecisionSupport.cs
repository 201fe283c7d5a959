using Sift.Engine.Kernels.Cpu;

namespace Sift.Pipelines.Training;

/// <summary>Why a training precision cannot run here: the message names the missing CPU flag, or the missing code.</summary>
internal static class PrecisionSupport
{
    /// <summary>The reason bf16-mixed training is refused on <paramref name="cpu"/>.</summary>
    public static string Bf16MixedUnavailable(CpuInfo cpu) =>
        cpu.Flags.Contains("avx512_bf16")
            ? $"bf16-mixed is not implemented in this build (this CPU, {cpu.Model}, has AVX512_BF16); use fp32"
            : $"bf16-mixed needs the AVX512_BF16 instruction set (cpuinfo flag avx512_bf16), which this CPU ({cpu.Model}) lacks; use fp32";
}
