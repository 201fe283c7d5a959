using System.Runtime.InteropServices;

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
                return new OpenBlasLibrary(name, handle);
            }
            NativeLibrary.Free(handle);
        }
        return null;
    }
}
