using System.Diagnostics.CodeAnalysis;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// SGEMM through OpenBLAS <c>cblas_sgemm</c> (row-major). Create with <see cref="TryCreate"/>; when OpenBLAS
/// is not installed that returns false and callers fall back to <see cref="ManagedGemm"/>.
/// </summary>
/// <remarks>
/// OpenBLAS's thread count is process-wide: each call sets it to <see cref="Threads"/> if it differs, so
/// instances with different counts must not run concurrently. Do not call it from inside Parallel.For with
/// Threads &gt; 1 (oversubscription); use <see cref="ManagedGemm.SgemmSerial"/> for per-head GEMMs.
/// </remarks>
public sealed class OpenBlasGemm : IGemm
{
    private readonly OpenBlasLibrary _lib;

    private OpenBlasGemm(OpenBlasLibrary lib, int threads)
    {
        _lib = lib;
        Threads = threads;
    }

    /// <summary>True when libopenblas could be loaded with every entry point this class needs.</summary>
    public static bool IsAvailable => OpenBlasLibrary.Instance is not null;

    /// <summary>The library's build configuration string, or null when OpenBLAS is unavailable.</summary>
    public static string? Config => OpenBlasLibrary.Instance?.Config;

    /// <summary>The OpenBLAS core in use (<c>openblas_get_corename</c>), or null when OpenBLAS is unavailable.</summary>
    public static string? CoreName => OpenBlasLibrary.Instance?.CoreName;

    /// <summary>The core OpenBLAS picked by itself on this CPU, or null when OpenBLAS is unavailable.</summary>
    public static string? DefaultCore => OpenBlasLibrary.Instance?.DefaultCore;

    /// <summary>Why Sift switched OpenBLAS's core at load (a generic core on an AVX2/AVX-512 CPU), else null.</summary>
    public static string? CoreNote => OpenBlasLibrary.Instance?.CoreNote;

    /// <summary>Creates the GEMM with <paramref name="threads"/> OpenBLAS threads (≥ 1); false when OpenBLAS is missing.</summary>
    public static bool TryCreate(int threads, [NotNullWhen(true)] out OpenBlasGemm? gemm)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        OpenBlasLibrary? lib = OpenBlasLibrary.Instance;
        gemm = lib is null ? null : new OpenBlasGemm(lib, threads);
        return gemm is not null;
    }

    /// <inheritdoc />
    public string Name => "openblas";

    /// <summary>OpenBLAS threads used per call.</summary>
    public int Threads { get; }

    /// <inheritdoc />
    public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        // OpenBLAS reports bad arguments by printing and returning; fail loudly instead.
        GemmArgs.Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }
        if (_lib.GetNumThreads() != Threads)
        {
            _lib.SetNumThreads(Threads);
        }
        _lib.Sgemm(OpenBlasLibrary.RowMajor,
            transA ? OpenBlasLibrary.Trans : OpenBlasLibrary.NoTrans,
            transB ? OpenBlasLibrary.Trans : OpenBlasLibrary.NoTrans,
            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
