using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// An MR×NR register-tile kernel over packed panels:
/// acc[r,c] = Σ_p a[p·MR + r] · b[p·NR + c] (p ascending, starting from zero), then
/// C[r,c] = alpha·acc + beta·C for r &lt; mr, c &lt; nr (beta = 0 never reads C).
/// Every FMA kernel computes each element by the same scalar sequence of fused multiply-adds, so kernels of
/// different widths give the same bits for the same Kc. Implemented by structs so the generic driver is
/// specialised per kernel with no indirect calls.
/// </summary>
internal unsafe interface IMicroKernel
{
    /// <summary>Rows of the register tile (A panel height).</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile (B panel width).</summary>
    static abstract int NR { get; }

    static abstract void Run(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha, float beta);
}

/// <summary>Which micro-kernel the managed GEMM uses; Auto picks the best the CPU supports.</summary>
internal enum MicroKernelKind
{
    Auto,
    Fma512,
    Fma256,
    Vector256NoFma,
    Scalar,
}

/// <summary>AVX2+FMA kernel: 12 Vector256 accumulators, 2 B loads + 6 broadcasts + 12 FMAs per k.</summary>
internal readonly unsafe struct Fma256Kernel : IMicroKernel
{
    public static int MR => 6;

    public static int NR => 16;

    public static void Run(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha, float beta)
    {
        TileStore.Prefetch(c, ldc, mr, 16 * sizeof(float));
        Accumulators acc;
        Accumulate(kc, a, b, &acc);
        if (mr == 6 && nr == 16)
        {
            Vector256<float> va = Vector256.Create(alpha);
            StoreRow(c, acc.C00, acc.C01, va, beta);
            StoreRow(c + ldc, acc.C10, acc.C11, va, beta);
            StoreRow(c + 2 * ldc, acc.C20, acc.C21, va, beta);
            StoreRow(c + 3 * ldc, acc.C30, acc.C31, va, beta);
            StoreRow(c + 4 * ldc, acc.C40, acc.C41, va, beta);
            StoreRow(c + 5 * ldc, acc.C50, acc.C51, va, beta);
            return;
        }

        // Edge tile: the 6×16 accumulators are laid out row by row, as TileStore.Edge reads them.
        TileStore.Edge((float*)&acc, 16, c, ldc, mr, nr, alpha, beta, fused: true);
    }

    /// <summary>The 6×16 tile's sums in row order (C00, C01 = row 0's 16 columns, ...).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Accumulators
    {
        public Vector256<float> C00, C01, C10, C11, C20, C21, C30, C31, C40, C41, C50, C51;
    }

    /// <summary>
    /// The k loop alone, not inlined: with alpha and beta live in xmm0/xmm1 the JIT took ymm16 for the broadcast, whose
    /// EVEX encoding made the loop longer and the GEMM 14% slower on Zen 4 (2048³, one thread: 94 against 109 GFLOP/s).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Accumulate(int kc, float* a, float* b, Accumulators* acc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            // b: one k-row of the 16-wide B panel; a: one k-column of the 6-row A panel.
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> ar = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(ar, b0, c00);
            c01 = Fma.MultiplyAdd(ar, b1, c01);
            ar = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(ar, b0, c10);
            c11 = Fma.MultiplyAdd(ar, b1, c11);
            ar = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(ar, b0, c20);
            c21 = Fma.MultiplyAdd(ar, b1, c21);
            ar = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(ar, b0, c30);
            c31 = Fma.MultiplyAdd(ar, b1, c31);
            ar = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(ar, b0, c40);
            c41 = Fma.MultiplyAdd(ar, b1, c41);
            ar = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(ar, b0, c50);
            c51 = Fma.MultiplyAdd(ar, b1, c51);
            a += 6;
            b += 16;
        }

        acc->C00 = c00; acc->C01 = c01; acc->C10 = c10; acc->C11 = c11; acc->C20 = c20; acc->C21 = c21;
        acc->C30 = c30; acc->C31 = c31; acc->C40 = c40; acc->C41 = c41; acc->C50 = c50; acc->C51 = c51;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* dst, Vector256<float> acc0, Vector256<float> acc1, Vector256<float> alpha, float beta)
    {
        if (beta == 0)
        {
            (acc0 * alpha).Store(dst);
            (acc1 * alpha).Store(dst + 8);
        }
        else if (beta == 1)
        {
            Fma.MultiplyAdd(acc0, alpha, Vector256.Load(dst)).Store(dst);
            Fma.MultiplyAdd(acc1, alpha, Vector256.Load(dst + 8)).Store(dst + 8);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            Fma.MultiplyAdd(acc0, alpha, Vector256.Load(dst) * vb).Store(dst);
            Fma.MultiplyAdd(acc1, alpha, Vector256.Load(dst + 8) * vb).Store(dst + 8);
        }
    }
}

/// <summary>Vector256 kernel without FMA (multiply then add, two roundings) for AVX-only CPUs.</summary>
internal readonly unsafe struct Vector256NoFmaKernel : IMicroKernel
{
    public static int MR => 6;

    public static int NR => 16;

    public static void Run(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> ar = Vector256.Create(a[0]);
            c00 += ar * b0;
            c01 += ar * b1;
            ar = Vector256.Create(a[1]);
            c10 += ar * b0;
            c11 += ar * b1;
            ar = Vector256.Create(a[2]);
            c20 += ar * b0;
            c21 += ar * b1;
            ar = Vector256.Create(a[3]);
            c30 += ar * b0;
            c31 += ar * b1;
            ar = Vector256.Create(a[4]);
            c40 += ar * b0;
            c41 += ar * b1;
            ar = Vector256.Create(a[5]);
            c50 += ar * b0;
            c51 += ar * b1;
            a += 6;
            b += 16;
        }

        // Edge and full tiles share the scalar store so results never depend on tile position.
        float* tile = stackalloc float[6 * 16];
        c00.Store(tile); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72);
        c50.Store(tile + 80); c51.Store(tile + 88);
        TileStore.Edge(tile, 16, c, ldc, mr, nr, alpha, beta, fused: false);
    }
}

/// <summary>Portable scalar kernel for CPUs without accelerated Vector256 (same arithmetic as the no-FMA kernel).</summary>
internal readonly unsafe struct ScalarKernel : IMicroKernel
{
    public static int MR => 6;

    public static int NR => 16;

    public static void Run(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha, float beta)
    {
        float* tile = stackalloc float[6 * 16];
        new Span<float>(tile, 6 * 16).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < 6; r++)
            {
                float ar = a[r];
                float* row = tile + r * 16;
                for (int j = 0; j < 16; j++)
                {
                    row[j] += ar * b[j];
                }
            }
            a += 6;
            b += 16;
        }
        TileStore.Edge(tile, 16, c, ldc, mr, nr, alpha, beta, fused: false);
    }
}

/// <summary>Scalar write-back of an accumulator tile (row stride <paramref name="tileStride"/>), bit-identical to the matching vector store.</summary>
internal static unsafe class TileStore
{
    /// <summary>
    /// Asks for the tile's C rows before the k loop, so the write-back does not wait on memory: C is read only after
    /// the loop (beta ≠ 0), and with beta = 0 each store still reads its line first (write-allocate).
    /// </summary>
    public static void Prefetch(float* c, int ldc, int mr, int rowBytes)
    {
        if (!Sse.IsSupported)
        {
            return;
        }
        for (int r = 0; r < mr; r++)
        {
            byte* row = (byte*)(c + (nint)r * ldc);
            for (int off = 0; off < rowBytes; off += 64)
            {
                Sse.Prefetch0(row + off);
            }
        }
    }

    public static void Edge(float* tile, int tileStride, float* c, int ldc, int mr, int nr, float alpha, float beta, bool fused)
    {
        for (int r = 0; r < mr; r++)
        {
            float* acc = tile + r * tileStride;
            float* dst = c + (nint)r * ldc;
            for (int j = 0; j < nr; j++)
            {
                float scaled = acc[j];
                if (beta == 0)
                {
                    dst[j] = scaled * alpha;
                }
                else
                {
                    float old = beta == 1 ? dst[j] : dst[j] * beta;
                    dst[j] = fused ? MathF.FusedMultiplyAdd(scaled, alpha, old) : scaled * alpha + old;
                }
            }
        }
    }
}
