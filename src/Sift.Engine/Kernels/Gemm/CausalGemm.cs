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
/// across row blocks and heads) and only the triangle a <see cref="CausalPattern"/> needs. Each 6-row panel of
/// op(A) is packed over its causal k range only, then runs the managed GEMM's 6×16 micro-kernel in Kc = 256
/// chunks. Zeros of A outside the triangle must be stored exactly (attention's probabilities are), because
/// diagonal panels read a few of them. Deterministic: a fixed loop order on one thread.
/// </summary>
internal static unsafe class CausalGemm
{
    /// <summary>The fp32 products as an <see cref="ICausalProducts"/> (attention's default).</summary>
    internal readonly struct Fp32 : ICausalProducts
    {
        public static int RowTile => MR;

        public static int ColumnTile => NR;

        public static long PackedFloats(int k, int n) => PackedLength(k, n);

        public static void Pack(bool transB, float* b, int ldb, int k, int n, float* dst) => PackB(transB, b, ldb, k, n, dst);

        public static void Run(CausalPattern pattern, bool transA, float* a, int lda, int m, int n, int k,
            float* packedB, float alpha, float beta, float* c, int ldc, float* aPanel) =>
            Multiply(pattern, transA, a, lda, m, n, k, packedB, alpha, beta, c, ldc, aPanel);
    }

    private const int MR = ManagedGemm.MR, NR = ManagedGemm.NR, Kc = 256;

    /// <summary>Floats of a packed B for k × n.</summary>
    public static long PackedLength(int k, int n) => (long)k * GemmDriver.RoundUp(n, NR);

    /// <summary>Packs op(B) [k, n] (op = transpose when <paramref name="transB"/>) into 16-column k-major panels.</summary>
    public static void PackB(bool transB, float* b, int ldb, int k, int n, float* dst) =>
        GemmPacking.PackB(transB, b, ldb, 0, k, 0, n, 0, GemmDriver.CeilDiv(n, NR), dst, NR);

    /// <summary>
    /// C[m, n] (+)= alpha·op(A)[m, k]·B over the pattern; <paramref name="aPanel"/> holds 6·k floats of scratch.
    /// For <see cref="CausalPattern.LowerOutput"/> rows are query positions and columns key positions; for the
    /// others rows and k are positions.
    /// </summary>
    public static void Multiply(CausalPattern pattern, bool transA, float* a, int lda, int m, int n, int k,
        float* packedB, float alpha, float beta, float* c, int ldc, float* aPanel)
    {
        switch (ManagedGemm.BestKernel)
        {
            case MicroKernelKind.Fma512 or MicroKernelKind.Fma256:
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
        for (int i0 = 0; i0 < m; i0 += MR)
        {
            int mr = Math.Min(MR, m - i0);
            (int kLo, int kHi) = pattern switch
            {
                CausalPattern.PrefixK => (0, Math.Min(k, i0 + MR)),
                CausalPattern.SuffixK => (Math.Min(i0, k), k),
                _ => (0, k),
            };
            int cols = pattern == CausalPattern.LowerOutput ? Math.Min(n, i0 + MR) : n;
            GemmPacking.PackA(transA, a, lda, i0, mr, kLo, kHi - kLo, aPanel, MR);
            float* cRow = c + (nint)i0 * ldc;
            for (int q = 0; q * NR < cols; q++)
            {
                int nr = Math.Min(NR, n - q * NR);
                float* bPanel = packedB + (nint)q * NR * k;
                if (kHi == kLo)
                {
                    GemmArgs.ScaleC(mr, nr, beta, cRow + q * NR, ldc);
                    continue;
                }
                for (int p0 = kLo; p0 < kHi; p0 += Kc)
                {
                    int kc = Math.Min(Kc, kHi - p0);
                    TKernel.Run(kc, aPanel + (nint)(p0 - kLo) * MR, bPanel + (nint)p0 * NR, cRow + q * NR, ldc, mr, nr,
                        alpha, p0 == kLo ? beta : 1f);
                }
            }
        }
    }
}
