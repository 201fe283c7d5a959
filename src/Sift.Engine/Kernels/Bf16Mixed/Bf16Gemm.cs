using Sift.Core;
using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Kernels.Gemm;

namespace Sift.Engine.Kernels.Bf16Mixed;

/// <summary>
/// The GEMM of <c>train.precision: bf16-mixed</c>: A and B are rounded to bfloat16 (nearest, ties to even) while
/// the native kernel packs them, and products are accumulated in float32 by VDPBF16PS (AVX512_BF16); C, and every
/// tensor outside the GEMM, stays float32. C is cut into one block of rows (or of columns, when it is wider than
/// tall) per thread, and each block is one native call; every element sums its k terms in the same order for any
/// cut, so the result is bit-identical for every thread count.
/// </summary>
public sealed unsafe class Bf16Gemm : IGemm
{
    /// <summary>Rows and columns of the native register tile (bf16gemm.c's MR, NR): blocks are cut on these.</summary>
    private const int MR = 12, NR = 32;

    /// <summary>Below this many multiply-adds a call runs on one thread.</summary>
    private const long ParallelThreshold = 1L << 20;

    private readonly Bf16Library _lib;

    private Bf16Gemm(Bf16Library lib, int threads)
    {
        _lib = lib;
        Threads = threads;
    }

    /// <inheritdoc />
    public string Name => "bf16";

    /// <summary>Maximum threads one call uses.</summary>
    public int Threads { get; }

    /// <summary>
    /// Why bf16-mixed cannot run on <paramref name="cpu"/> with the native library in the state
    /// <paramref name="libraryError"/> (null: loaded) / <paramref name="libraryCpuOk"/> (its CPUID check); null when it can.
    /// </summary>
    public static string? Unavailable(CpuInfo cpu, string? libraryError, bool libraryCpuOk)
    {
        if (!cpu.Flags.Contains("avx512_bf16") && cpu.Flags.Count > 0)
        {
            return $"bf16-mixed needs the AVX512_BF16 instruction set (cpuinfo flag avx512_bf16), which this CPU ({cpu.Model}) lacks; use fp32";
        }
        if (libraryError is not null)
        {
            return $"bf16-mixed cannot run: {libraryError}; use fp32";
        }
        return libraryCpuOk ? null
            : $"bf16-mixed needs the AVX512_BF16, AVX512BW and AVX512VL instruction sets (flags avx512_bf16, avx512bw, avx512vl), which this CPU ({cpu.Model}) lacks according to CPUID; use fp32";
    }

    /// <summary>Why bf16-mixed cannot run on this machine; null when it can.</summary>
    public static string? UnavailableHere() =>
        Unavailable(CpuInfo.Current, Bf16Library.LoadError, Bf16Library.Instance?.CpuSupported ?? false);

    /// <summary>The bf16 GEMM using up to <paramref name="threads"/> threads per call.</summary>
    /// <exception cref="SiftException">This CPU lacks AVX512_BF16 or the native kernel was not built (the message says which).</exception>
    public static Bf16Gemm Create(int threads)
    {
        if (threads < 1)
        {
            throw new SiftException($"GEMM threads: expected an integer ≥ 1, got {threads}.");
        }
        if (UnavailableHere() is { } why)
        {
            throw new SiftException(why);
        }
        return new Bf16Gemm(Bf16Library.Instance!, threads);
    }

    /// <inheritdoc />
    public void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (!GemmArgs.NeedsProduct(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        {
            return;
        }
        var call = new Call
        {
            Fn = _lib.Sgemm,
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
        };
        bool byRows = m >= n;
        int tiles = byRows ? GemmDriver.CeilDiv(m, MR) : GemmDriver.CeilDiv(n, NR);
        int parts = (long)m * n * k < ParallelThreshold ? 1 : Math.Min(Threads, tiles);
        call.ByRows = byRows;
        call.Parts = parts;
        Par.ForEach(parts, parts, &call, &RunPart);
        if (call.Failed != 0)
        {
            throw new OutOfMemoryException("bf16 GEMM: the native kernel could not allocate its packing buffers");
        }
    }

    private static void RunPart(Call* s, int part)
    {
        if (GemmSlice.Cut(s->ByRows, s->ByRows ? MR : NR, part, s->Parts, s->TransA, s->TransB, s->M, s->N, s->A, s->Lda,
                s->B, s->Ldb, s->C, s->Ldc, out float* a, out float* b, out float* c, out int m, out int n)
            && s->Fn(s->TransA ? 1 : 0, s->TransB ? 1 : 0, m, n, s->K, s->Alpha, a, s->Lda, b, s->Ldb, s->Beta, c, s->Ldc) != 0)
        {
            s->Failed = 1;
        }
    }

    private struct Call
    {
        public delegate* unmanaged<int, int, int, int, int, float, float*, nint, float*, nint, float, float*, nint, int> Fn;
        public bool TransA, TransB, ByRows;
        public int M, N, K, Lda, Ldb, Ldc, Parts, Failed;
        public float Alpha, Beta;
        public float* A, B, C;
    }
}
