namespace Sift.Engine.Kernels.Gemm;

/// <summary>Which part of a square (position × position) product a causal multiply computes (values as bf16gemm.c).</summary>
internal enum CausalPattern
{
    /// <summary>Only output tiles that touch j ≤ i (S = Q·Kᵀ, dP = dO·Vᵀ); tiles on the diagonal are computed whole.</summary>
    LowerOutput = 0,

    /// <summary>Row i sums k ∈ [0, i] (O = P·V, dQ = dS·K): A is zero above the diagonal.</summary>
    PrefixK = 1,

    /// <summary>Row j sums k ∈ [j, K) (dK = dSᵀ·Q, dV = Pᵀ·dO): op(A) is zero below the diagonal.</summary>
    SuffixK = 2,
}

/// <summary>
/// Single-threaded GEMM for causal attention: C = alpha·op(A)·B + beta·C with B pre-packed once (and reused
/// across row blocks and heads) and only the triangle a <see cref="CausalPattern"/> needs. Each row panel of op(A)
/// is packed over its causal k range only, then runs the managed GEMM's micro-kernel in Kc = 256 chunks: the one
/// <see cref="ManagedGemm.BestKernel"/> chose (12×32 where it measured faster: on Zen 5 the 12×32 tile runs at 1.8x
/// the 6×16 one), 6×16 otherwise; both give the same bits for the same Kc. Zeros of A outside the triangle must be
/// stored exactly (attention's probabilities are), because diagonal panels read a few of them. Deterministic: a
/// fixed loop order on one thread.
/// </summary>
internal static unsafe class CausalGemm
{
    /// <summary>The fp32 products as an <see cref="ICausalProducts"/> (attention's default), on <see cref="ManagedGemm.BestKernel"/>.</summary>
    internal readonly struct Fp32 : ICausalProducts
    {
        public static int RowTile => RowTileOf(ManagedGemm.BestKernel);

        public static int ColumnTile => ColumnTileOf(ManagedGemm.BestKernel);

        public static long PackedFloats(int k, int n) => PackedLength(ManagedGemm.BestKernel, k, n);

        public static void Pack(bool transB, float* b, int ldb, int k, int n, float* dst) => PackB(ManagedGemm.BestKernel, transB, b, ldb, k, n, dst);

        public static void Run(CausalPattern pattern, bool transA, float* a, int lda, int m, int n, int k,
            float* packedB, float alpha, float beta, float* c, int ldc, float* aPanel) =>
            Multiply(ManagedGemm.BestKernel, pattern, transA, a, lda, m, n, k, packedB, alpha, beta, c, ldc, aPanel);
    }

    private const int Kc = 256;

    /// <summary>Rows of <paramref name="kernel"/>'s register tile (12 for the 12×32 kernel, 6 for the others).</summary>
    public static int RowTileOf(MicroKernelKind kernel) => kernel == MicroKernelKind.Fma512 ? Fma512Kernel.MR : Fma256Kernel.MR;

    /// <summary>Columns of <paramref name="kernel"/>'s register tile (32 or 16): the packed B panels' width.</summary>
    public static int ColumnTileOf(MicroKernelKind kernel) => kernel == MicroKernelKind.Fma512 ? Fma512Kernel.NR : Fma256Kernel.NR;

    /// <summary>Floats of a packed B for k × n, for <paramref name="kernel"/>.</summary>
    public static long PackedLength(MicroKernelKind kernel, int k, int n) => (long)k * GemmDriver.RoundUp(n, ColumnTileOf(kernel));

    /// <summary>Packs op(B) [k, n] (op = transpose when <paramref name="transB"/>) into k-major panels of <paramref name="kernel"/>'s width.</summary>
    public static void PackB(MicroKernelKind kernel, bool transB, float* b, int ldb, int k, int n, float* dst)
    {
        int nr = ColumnTileOf(kernel);
        GemmPacking.PackB(transB, b, ldb, 0, k, 0, n, 0, GemmDriver.CeilDiv(n, nr), dst, nr);
    }

    /// <summary>
    /// C[m, n] (+)= alpha·op(A)[m, k]·B over the pattern with B packed by <see cref="PackB"/> for the same
    /// <paramref name="kernel"/>; <paramref name="aPanel"/> holds <see cref="RowTileOf"/>·k floats of scratch.
    /// For <see cref="CausalPattern.LowerOutput"/> rows are query positions and columns key positions; for the
    /// others rows and k are positions.
    /// </summary>
    public static void Multiply(MicroKernelKind kernel, CausalPattern pattern, bool transA, float* a, int lda, int m, int n, int k,
        float* packedB, float alpha, float beta, float* c, int ldc, float* aPanel)
    {
        switch (kernel)
        {
            case MicroKernelKind.Fma512:
                Multiply<Fma512Kernel>(pattern, transA, a, lda, m, n, k, packedB, alpha, beta, c, ldc, aPanel);
                break;
            case MicroKernelKind.Fma256:
                Multiply<Fma256Kernel>(pattern, transA, a, lda, m, n, k, packedB, alpha, beta, c, ldc, aPanel);
                break;
            case MicroKernelKind.Vector256NoFma:
                Multiply<Vector256NoFmaKernel>(pattern, transA, a, lda, m, n, k, packedB, alpha, beta, c, ldc, aPanel);
                break;
            default:
                Multiply<ScalarKernel>(pattern, transA, a, lda, m, n, k, packedB, alpha, beta, c, ldc, aPanel);
                break;
        }
    }

    private static void Multiply<TKernel>(CausalPattern pattern, bool transA, float* a, int lda, int m, int n, int k,
        float* packedB, float alpha, float beta, float* c, int ldc, float* aPanel)
        where TKernel : struct, IMicroKernel
    {
        for (int i0 = 0; i0 < m; i0 += TKernel.MR)
        {
            int mr = Math.Min(TKernel.MR, m - i0);
            (int kLo, int kHi) = pattern switch
            {
                CausalPattern.PrefixK => (0, Math.Min(k, i0 + TKernel.MR)),
                CausalPattern.SuffixK => (Math.Min(i0, k), k),
                _ => (0, k),
            };
            int cols = pattern == CausalPattern.LowerOutput ? Math.Min(n, i0 + TKernel.MR) : n;
            GemmPacking.PackA(transA, a, lda, i0, mr, kLo, kHi - kLo, aPanel, TKernel.MR);
            float* cRow = c + (nint)i0 * ldc;
            for (int q = 0; q * TKernel.NR < cols; q++)
            {
                int nr = Math.Min(TKernel.NR, n - q * TKernel.NR);
                float* bPanel = packedB + (nint)q * TKernel.NR * k;
                if (kHi == kLo)
                {
                    GemmArgs.ScaleC(mr, nr, beta, cRow + q * TKernel.NR, ldc);
                    continue;
                }
                // Chunks end at multiples of Kc counted from k = 0, not from kLo, so a row's partial sums break at the
                // same k whatever the panel height: the 12×32 and 6×16 tiles give the same bits.
                for (int p0 = kLo; p0 < kHi; p0 = (p0 / Kc + 1) * Kc)
                {
                    int kc = Math.Min((p0 / Kc + 1) * Kc, kHi) - p0;
                    TKernel.Run(kc, aPanel + (nint)(p0 - kLo) * TKernel.MR, bPanel + (nint)p0 * TKernel.NR, cRow + q * TKernel.NR, ldc, mr, nr,
                        alpha, p0 == kLo ? beta : 1f);
                }
            }
        }
    }
}
