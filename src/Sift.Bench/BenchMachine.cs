using System.Text.Json.Nodes;
using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Kernels.Gemm;

namespace Sift.Bench;

/// <summary>What a benchmark figure depends on besides the code: the CPU, its SIMD flags and the kernels chosen.</summary>
public sealed record BenchMachine(
    string CpuModel, int LogicalCpus, IReadOnlyList<string> SimdFlags, string SimdWidth, string ManagedKernel,
    string? OpenBlasConfig, string? OpenBlasDefaultCore, string? OpenBlasCore, string? OpenBlasCoreNote)
{
    /// <summary>"family F model M stepping S" ("" where unknown): VMs often name only "AMD EPYC" for several generations.</summary>
    public string CpuSignature { get; init; } = "";

    /// <summary>The OPENBLAS_* environment variables the process saw (a pinned core or cache size changes every OpenBLAS figure).</summary>
    public IReadOnlyDictionary<string, string> OpenBlasEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>This machine, now.</summary>
    public static BenchMachine Detect() => new(
        CpuInfo.Current.Model, Environment.ProcessorCount, CpuInfo.Current.SimdFlagsPresent,
        SimdPath.Width.ToString().ToLowerInvariant(), new ManagedGemm(1).KernelName,
        OpenBlasGemm.Config, OpenBlasGemm.DefaultCore, OpenBlasGemm.CoreName, OpenBlasGemm.CoreNote)
    {
        CpuSignature = CpuInfo.Current.Signature,
        OpenBlasEnvironment = OpenBlasVariables(Environment.GetEnvironmentVariables()),
    };

    /// <summary>The OPENBLAS_* entries of an environment, sorted by name.</summary>
    public static SortedDictionary<string, string> OpenBlasVariables(System.Collections.IDictionary environment)
    {
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in environment)
        {
            if (e.Key is string name && name.StartsWith("OPENBLAS_", StringComparison.Ordinal))
            {
                found[name] = e.Value as string ?? "";
            }
        }
        return found;
    }

    /// <summary>The "machine" object of `sift bench --json`.</summary>
    public JsonObject ToJson() => new()
    {
        ["cpu_model"] = CpuModel,
        ["cpu_signature"] = CpuSignature,
        ["logical_cpus"] = LogicalCpus,
        ["simd_flags"] = new JsonArray(SimdFlags.Select(f => (JsonNode?)f).ToArray()),
        ["simd_width"] = SimdWidth,
        ["managed_gemm_kernel"] = ManagedKernel,
        ["openblas_config"] = OpenBlasConfig,
        ["openblas_default_core"] = OpenBlasDefaultCore,
        ["openblas_core"] = OpenBlasCore,
        ["openblas_core_note"] = OpenBlasCoreNote,
        ["openblas_env"] = new JsonObject(OpenBlasEnvironment.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
    };
}
