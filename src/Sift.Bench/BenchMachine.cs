using System.Text.Json.Nodes;
using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Kernels.Gemm;

namespace Sift.Bench;

/// <summary>What a benchmark figure depends on besides the code: the CPU, its SIMD flags and the kernels chosen.</summary>
public sealed record BenchMachine(
    string CpuModel, int LogicalCpus, IReadOnlyList<string> SimdFlags, string SimdWidth, string ManagedKernel,
    string? OpenBlasConfig, string? OpenBlasDefaultCore, string? OpenBlasCore, string? OpenBlasCoreNote)
{
    /// <summary>This machine, now.</summary>
    public static BenchMachine Detect() => new(
        CpuInfo.Current.Model, Environment.ProcessorCount, CpuInfo.Current.SimdFlagsPresent,
        SimdPath.Width.ToString().ToLowerInvariant(), new ManagedGemm(1).KernelName,
        OpenBlasGemm.Config, OpenBlasGemm.DefaultCore, OpenBlasGemm.CoreName, OpenBlasGemm.CoreNote);

    /// <summary>The "machine" object of `sift bench --json`.</summary>
    public JsonObject ToJson() => new()
    {
        ["cpu_model"] = CpuModel,
        ["logical_cpus"] = LogicalCpus,
        ["simd_flags"] = new JsonArray(SimdFlags.Select(f => (JsonNode?)f).ToArray()),
        ["simd_width"] = SimdWidth,
        ["managed_gemm_kernel"] = ManagedKernel,
        ["openblas_config"] = OpenBlasConfig,
        ["openblas_default_core"] = OpenBlasDefaultCore,
        ["openblas_core"] = OpenBlasCore,
        ["openblas_core_note"] = OpenBlasCoreNote,
    };
}
