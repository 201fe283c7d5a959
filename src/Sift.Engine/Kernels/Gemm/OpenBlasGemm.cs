using System.Diagnostics.CodeAnalysis;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// SGEMM through OpenBLAS <c>cblas_sgemm</c> (row-major). Create with <see cref="TryCreate"/>; when OpenBLAS
/// is not installed that returns false and callers fall back to <see cref="ManagedGemm"/>.
/// </summary>
/// <remarks>
/// OpenBLAS always runs single-threaded here (its process-wide thread count is set to 1). A call with
/// <see cref="Threads"/> &gt; 1 cuts C into that many slices of rows (or columns, when C is wider than tall) and
/// runs one single-threaded cblas_sgemm per slice on <see cref="Par"/>'s team, the threads that run every other
/// kernel of a step. OpenBLAS's own threads spin for a while after each call, and on a 2-vCPU machine they took a
/// core from the attention and element-wise kernels that follow; `small` training ran 7-14% faster this way on an
/// AMD EPYC Zen 4, with the same isolated GEMM rate (README, engine speed). Each slice's sums run in the
/// same order on every run, so results are bit-identical run to run for a fixed thread count. Inside a loop body
/// (the team busy) the whole call runs on the calling thread.
/// </remarks>
public sealed unsafe class OpenBlasGemm : IGemm
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

    /// <summary>How calls use threads, part of the calibration cache's machine key (a change measures every shape again).</summary>
    internal const string Threading = "openblas 1 thread per slice of C";

    /// <summary>Threads per call (slices of C on Sift's team; OpenBLAS itself runs single-threaded).</summary>
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
        if (_lib.GetNumThreads() != 1)
        {
            _lib.SetNumThreads(1);
        }
        var job = new SliceJob
        {
            Sgemm = _lib.Sgemm,
            TransA = transA,
            TransB = transB,
            M = m,
            N = n,
            K = k,
            Alpha = alpha,
            A = a,
            Lda = lda,
            B = b,
            Ldb = ldb,
            Beta = beta,
            C = c,
            Ldc = ldc,
            ByRows = m >= n,
            Slices = SliceCount(m, n, k, Threads),
        };
        if (job.Slices == 1)
        {
            RunSlice(&job, 0);
        }
        else
        {
            Par.ForEach(job.Slices, Threads, &job, &RunSlice);
        }
    }

    /// <summary>Slices are whole multiples of this many rows or columns (OpenBLAS's widest register tile).</summary>
    internal const int SliceUnit = 16;

    /// <summary>Below this many multiply-adds a call runs unsliced: OpenBLAS's own threading threshold (65,536 × 4).</summary>
    internal const long SliceAbove = 1L << 18;

    /// <summary>How many slices a call is cut into: <paramref name="threads"/>, fewer when the cut side has fewer units, or 1 when small.</summary>
    internal static int SliceCount(int m, int n, int k, int threads)
    {
        if (threads == 1 || (long)m * n * k < SliceAbove)
        {
            return 1;
        }
        int units = GemmDriver.CeilDiv(Math.Max(m, n), SliceUnit);
        return Math.Clamp(units, 1, threads);
    }

    /// <summary>One call cut into slices of C; a plain struct so a call allocates nothing.</summary>
    private struct SliceJob
    {
        public delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm;
        public bool TransA, TransB, ByRows;
        public int M, N, K, Lda, Ldb, Ldc, Slices;
        public float Alpha, Beta;
        public float* A, B, C;
    }

    private static void RunSlice(SliceJob* j, int slice)
    {
        if (GemmSlice.Cut(j->ByRows, SliceUnit, slice, j->Slices, j->TransA, j->TransB, j->M, j->N, j->A, j->Lda, j->B, j->Ldb,
            j->C, j->Ldc, out float* a, out float* b, out float* c, out int m, out int n))
        {
            j->Sgemm(OpenBlasLibrary.RowMajor,
                j->TransA ? OpenBlasLibrary.Trans : OpenBlasLibrary.NoTrans,
                j->TransB ? OpenBlasLibrary.Trans : OpenBlasLibrary.NoTrans,
                m, n, j->K, j->Alpha, a, j->Lda, b, j->Ldb, j->Beta, c, j->Ldc);
        }
    }
}
