using System.Runtime.InteropServices;
using Sift.Engine.Kernels.Cpu;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// OpenBLAS entry points resolved once through <see cref="NativeLibrary.TryLoad(string, out nint)"/>.
/// Calls go through function pointers taken from the very handle that loaded, so a machine without
/// OpenBLAS sees <see cref="Instance"/> = null instead of a DllNotFoundException at the first call.
/// </summary>
internal sealed unsafe class OpenBlasLibrary
{
    /// <summary>cblas enum values (C ints).</summary>
    public const int RowMajor = 101, NoTrans = 111, Trans = 112;

    /// <summary>Runtime names tried in order: the Debian runtime package, then the -dev symlink, then other OSes.</summary>
    internal static readonly string[] Candidates = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll"];

    private static readonly Lazy<OpenBlasLibrary?> s_instance = new(Load);

    private OpenBlasLibrary(string name, nint handle)
    {
        Name = name;
        Sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            NativeLibrary.GetExport(handle, "cblas_sgemm");
        SetNumThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(handle, "openblas_set_num_threads");
        GetNumThreads = (delegate* unmanaged<int>)NativeLibrary.GetExport(handle, "openblas_get_num_threads");
        var getConfig = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(handle, "openblas_get_config");
        Config = Marshal.PtrToStringUTF8((nint)getConfig()) ?? "";
        if (NativeLibrary.TryGetExport(handle, "openblas_get_corename", out nint getCore))
        {
            _getCoreName = (delegate* unmanaged<byte*>)getCore;
        }
        if (NativeLibrary.TryGetExport(handle, "gotoblas_dynamic_quit", out nint quit)
            && NativeLibrary.TryGetExport(handle, "gotoblas_dynamic_init", out nint init))
        {
            _dynamicQuit = (delegate* unmanaged<void>)quit;
            _dynamicInit = (delegate* unmanaged<void>)init;
        }
        DefaultCore = CoreName;
    }

    private readonly delegate* unmanaged<byte*> _getCoreName;
    private readonly delegate* unmanaged<void> _dynamicQuit, _dynamicInit;

    /// <summary><c>openblas_get_corename()</c> now (e.g. "Haswell", "SkylakeX", "Prescott"), or "unknown".</summary>
    public string CoreName => _getCoreName == null ? "unknown" : Marshal.PtrToStringUTF8((nint)_getCoreName()) ?? "unknown";

    /// <summary>The core OpenBLAS chose when it loaded (before any <see cref="TrySetCore"/>).</summary>
    public string DefaultCore { get; }

    /// <summary>Why the core was changed at load (null when it was not).</summary>
    public string? CoreNote { get; private set; }

    /// <summary>
    /// Switches a DYNAMIC_ARCH build to <paramref name="core"/>: sets OPENBLAS_CORETYPE in the native
    /// environment and re-runs OpenBLAS's own core selection (gotoblas_dynamic_quit/init, which read it).
    /// Only safe while no OpenBLAS call is running. True when the library now reports that core.
    /// </summary>
    internal bool TrySetCore(string core)
    {
        if (_dynamicQuit == null || _getCoreName == null || !NativeEnvironment.TrySet("OPENBLAS_CORETYPE", core))
        {
            return false;
        }
        _dynamicQuit();
        _dynamicInit();
        return string.Equals(CoreName, core, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// When OpenBLAS picked a generic core on a CPU with AVX2 or AVX-512 and the user did not choose one
    /// (OPENBLAS_CORETYPE unset), switches to the matching core; on failure goes back to the default core.
    /// </summary>
    private void FixGenericCore()
    {
        if (Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 }
            || OpenBlasCore.Better(DefaultCore, CpuInfo.Current) is not { } better)
        {
            return;
        }
        if (TrySetCore(better))
        {
            CoreNote = $"OpenBLAS chose its generic {DefaultCore} core on this CPU; switched to {better}";
        }
        else
        {
            TrySetCore(DefaultCore);
            CoreNote = $"OpenBLAS chose its generic {DefaultCore} core and could not switch to {better}";
        }
    }

    /// <summary>
    /// When OpenBLAS picked an AVX2 core on an AVX-512 CPU and the user did not choose one, switches to the AVX-512
    /// core if a cached or fresh single-threaded measurement (<see cref="OpenBlasCoreChoice"/>) found it faster.
    /// When the user pinned a core (OPENBLAS_CORETYPE) narrower than the CPU, keeps it and notes what it costs.
    /// </summary>
    private void TryWiderCore()
    {
        string chosen = CoreName;
        string? wider = OpenBlasCore.Wider(chosen, CpuInfo.Current);
        if (Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } pinned)
        {
            string? better = OpenBlasCore.Better(chosen, CpuInfo.Current) ?? wider;
            // The user's choice stands, but a pin narrower than the CPU can cost 2x (seen: a Zen 5 VM whose environment
            // set OPENBLAS_CORETYPE=Haswell, where OpenBLAS itself picks Cooperlake): say so wherever the core is shown.
            CoreNote ??= better is null ? null
                : $"OPENBLAS_CORETYPE={pinned} in the environment keeps OpenBLAS on its {chosen} kernels on this CPU, which runs {better}'s; unset it to let Sift choose";
            return;
        }
        if (_dynamicQuit == null || wider is null)
        {
            return;
        }
        OpenBlasCoreMeasurement m = OpenBlasCoreChoice.Choose(OpenBlasCoreChoice.DefaultPath,
            OpenBlasCoreChoice.MachineKey(Config, chosen), key => OpenBlasCoreChoice.Measure(this, key, chosen, wider));
        string figures = $"{m.WiderCore} {m.WiderGflops:F0} against {m.DefaultCore} {m.DefaultGflops:F0} GFLOP/s on one thread";
        if (m.Core == wider && TrySetCore(wider))
        {
            CoreNote = $"OpenBLAS chose its AVX2 {chosen} core on this AVX-512 CPU; switched to {wider} ({figures})";
        }
        else
        {
            if (!string.Equals(CoreName, chosen, StringComparison.OrdinalIgnoreCase))
            {
                TrySetCore(chosen);
            }
            CoreNote = m.Core == wider
                ? $"OpenBLAS chose its AVX2 {chosen} core on this AVX-512 CPU and could not switch to {wider}"
                : $"OpenBLAS's own AVX2 {chosen} core kept on this AVX-512 CPU ({figures})";
        }
    }

    /// <summary>The loaded library, or null when no OpenBLAS (with all needed exports) could be loaded.</summary>
    public static OpenBlasLibrary? Instance => s_instance.Value;

    /// <summary>The file name that loaded.</summary>
    public string Name { get; }

    /// <summary><c>openblas_get_config()</c>, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64".</summary>
    public string Config { get; }

    /// <summary>cblas_sgemm(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc).</summary>
    public delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm { get; }

    /// <summary>openblas_set_num_threads(n): process-wide.</summary>
    public delegate* unmanaged<int, void> SetNumThreads { get; }

    /// <summary>openblas_get_num_threads().</summary>
    public delegate* unmanaged<int> GetNumThreads { get; }

    private static OpenBlasLibrary? Load()
    {
        string[] exports = ["cblas_sgemm", "openblas_set_num_threads", "openblas_get_num_threads", "openblas_get_config"];
        foreach (string name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out nint handle))
            {
                continue;
            }
            if (exports.All(e => NativeLibrary.TryGetExport(handle, e, out _)))
            {
                var lib = new OpenBlasLibrary(name, handle);
                lib.FixGenericCore();
                lib.TryWiderCore();
                return lib;
            }
            NativeLibrary.Free(handle);
        }
        return null;
    }
}
