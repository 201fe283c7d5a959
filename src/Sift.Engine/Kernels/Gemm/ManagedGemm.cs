using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// Packed, cache-blocked managed SGEMM (BLIS design; 12×32 Vector512 or 6×16 Vector256 FMA micro-kernel).
/// No native dependency; for a given CPU the result is bit-identical for every thread count,
/// and <see cref="SgemmSerial"/> gives the same bits as <see cref="Sgemm"/>.
/// </summary>
public sealed class ManagedGemm : IGemm
{
    /// <summary>Rows of the Vector256 register tile (A panel height), which the causal attention GEMMs use.</summary>
    internal const int MR = 6;

    /// <summary>Columns of the Vector256 register tile (B panel width: two Vector256).</summary>
    internal const int NR = 16;

    /// <summary>Below this many multiply-adds a call runs on one thread (fork/join would cost more).</summary>
    private const long ParallelThreshold = 1L << 20;

    private readonly GemmBlocking _blocking;
    private readonly MicroKernelKind _kernel;

    /// <summary>Creates the GEMM using up to <paramref name="threads"/> threads per call (≥ 1).</summary>
    public ManagedGemm(int threads = 1)
        : this(threads, GemmBlocking.Default, MicroKernelKind.Auto)
    {
    }

    /// <summary>Test/tuning constructor: explicit block sizes and micro-kernel.</summary>
    internal ManagedGemm(int threads, GemmBlocking blocking, MicroKernelKind kernel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _blocking = blocking.Validated();
        _kernel = kernel == MicroKernelKind.Auto ? BestKernel : kernel;
    }

    private static readonly Lazy<MicroKernelKind> s_best = new(() =>
        ManagedKernelChoice.Resolve(ManagedKernelChoice.DefaultPath, Environment.GetEnvironmentVariable("SIFT_GEMM_KERNEL")));

    /// <summary>
    /// The micro-kernel this CPU runs by default: with AVX-512 the faster of the 12×32 Vector512 and the 6×16 Vector256
    /// kernel on this machine (<see cref="ManagedKernelChoice"/>, measured once and cached; same bits either way), else
    /// the widest accelerated one.
    /// </summary>
    internal static MicroKernelKind BestKernel => s_best.Value;

    /// <inheritdoc />
    public string Name => "managed";

    /// <summary>The micro-kernel this instance runs ("fma512", "fma256", ...), for reports.</summary>
    public string KernelName => _kernel.ToString().ToLowerInvariant();

    /// <summary>Maximum threads one call uses.</summary>
    public int Threads { get; }

    /// <inheritdoc />
    public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (!GemmArgs.NeedsProduct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        {
            return;
        }
        var call = new GemmCall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        bool parallel = Threads > 1 && (long)m * n * k >= ParallelThreshold;
        switch (_kernel)
        {
            case MicroKernelKind.Fma512:
                Dispatch<Fma512Kernel>(call, parallel);
                break;
            case MicroKernelKind.Fma256:
                Dispatch<Fma256Kernel>(call, parallel);
                break;
            case MicroKernelKind.Vector256NoFma:
                Dispatch<Vector256NoFmaKernel>(call, parallel);
                break;
            default:
                Dispatch<ScalarKernel>(call, parallel);
                break;
        }
    }

    /// <summary>
    /// Single-threaded Sgemm with default blocking and the best kernel; no shared state beyond per-thread
    /// buffers, so it is safe to call concurrently (e.g. one attention head per Parallel.For iteration).
    /// </summary>
    public static unsafe void SgemmSerial(bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (!GemmArgs.NeedsProduct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        {
            return;
        }
        var call = new GemmCall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        switch (BestKernel)
        {
            case MicroKernelKind.Fma512:
                GemmDriver.Serial<Fma512Kernel>(call, GemmBlocking.Default);
                break;
            case MicroKernelKind.Fma256:
                GemmDriver.Serial<Fma256Kernel>(call, GemmBlocking.Default);
                break;
            case MicroKernelKind.Vector256NoFma:
                GemmDriver.Serial<Vector256NoFmaKernel>(call, GemmBlocking.Default);
                break;
            default:
                GemmDriver.Serial<ScalarKernel>(call, GemmBlocking.Default);
                break;
        }
    }

    private void Dispatch<TKernel>(in GemmCall call, bool parallel)
        where TKernel : struct, IMicroKernel
    {
        if (parallel)
        {
            ParallelGemm<TKernel>.Run(call, _blocking, Threads);
        }
        else
        {
            GemmDriver.Serial<TKernel>(call, _blocking);
        }
    }
}
