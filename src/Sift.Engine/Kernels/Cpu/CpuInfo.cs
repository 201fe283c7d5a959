using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sift.Engine.Kernels.Cpu;

/// <summary>
/// The CPU model and the SIMD flags that matter to the kernels: the model name and flag list from
/// /proc/cpuinfo where it exists, else only what .NET's intrinsics report.
/// </summary>
public sealed record CpuInfo(string Model, IReadOnlySet<string> Flags)
{
    /// <summary>Flags reported in benchmarks (the rest of /proc/cpuinfo's list does not change a kernel).</summary>
    public static readonly string[] SimdFlags =
        ["avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_bf16"];

    private static readonly Lazy<CpuInfo> s_current = new(Detect);

    /// <summary>This machine.</summary>
    public static CpuInfo Current => s_current.Value;

    /// <summary>
    /// "family F model M stepping S" from /proc/cpuinfo, or "" where it is not known. Cloud VMs often name only the
    /// vendor line ("AMD EPYC" for Zen 4 and Zen 5 alike, with the same SIMD flags), so this tells them apart.
    /// </summary>
    public string Signature { get; init; } = "";

    /// <summary>The model name with the <see cref="Signature"/>: what figures and per-machine caches are keyed by.</summary>
    public string Identity => Signature.Length == 0 ? Model : $"{Model} ({Signature})";

    /// <summary>AVX-512 F/BW/DQ/VL, what OpenBLAS's SkylakeX kernels need.</summary>
    public bool HasAvx512 => Flags.Contains("avx512f") && Flags.Contains("avx512bw") && Flags.Contains("avx512dq") && Flags.Contains("avx512vl");

    /// <summary>AVX2 with FMA, what OpenBLAS's Haswell kernels need.</summary>
    public bool HasAvx2Fma => Flags.Contains("avx2") && Flags.Contains("fma");

    /// <summary>The <see cref="SimdFlags"/> this CPU has, in that order.</summary>
    public IReadOnlyList<string> SimdFlagsPresent => SimdFlags.Where(Flags.Contains).ToList();

    /// <summary>Parses the first processor block of a /proc/cpuinfo text ("model name", "cpu family", "model", "stepping" and "flags" lines).</summary>
    public static CpuInfo Parse(string cpuinfo)
    {
        ArgumentNullException.ThrowIfNull(cpuinfo);
        string model = "unknown";
        string? family = null, number = null, stepping = null;
        HashSet<string>? flags = null;
        foreach (string line in cpuinfo.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (key == "model name" && model == "unknown")
            {
                model = value;
            }
            else if (key == "cpu family")
            {
                family ??= value;
            }
            else if (key == "model")
            {
                number ??= value;
            }
            else if (key == "stepping")
            {
                stepping ??= value;
            }
            else if (key == "flags" && flags is null)
            {
                flags = value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            }
        }
        string signature = family is null || number is null ? ""
            : $"family {family} model {number}" + (stepping is null ? "" : $" stepping {stepping}");
        return new CpuInfo(model, flags ?? []) { Signature = signature };
    }

    private static CpuInfo Detect()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                CpuInfo parsed = Parse(File.ReadAllText("/proc/cpuinfo"));
                if (parsed.Flags.Count > 0)
                {
                    return parsed;
                }
            }
        }
        catch (IOException)
        {
            // fall through to the intrinsics
        }
        catch (UnauthorizedAccessException)
        {
            // fall through to the intrinsics
        }
        var f = new HashSet<string>(StringComparer.Ordinal);
        void Add(bool on, string name)
        {
            if (on)
            {
                f.Add(name);
            }
        }
        Add(Avx.IsSupported, "avx");
        Add(Avx2.IsSupported, "avx2");
        Add(Fma.IsSupported, "fma");
        Add(Avx512F.IsSupported, "avx512f");
        Add(Avx512BW.IsSupported, "avx512bw");
        Add(Avx512DQ.IsSupported, "avx512dq");
        Add(Avx512F.VL.IsSupported, "avx512vl");
        Add(Vector512.IsHardwareAccelerated, "vector512");
        return new CpuInfo(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(), f);
    }
}
