namespace Sift.Engine.Kernels.Gemm;

/// <summary>The arguments of one Sgemm call, validated, with m, n, k, alpha all non-zero.</summary>
internal readonly unsafe struct GemmCall(bool transA, bool transB, int m, int n, int k,
    float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
{
    public readonly bool TransA = transA, TransB = transB;
    public readonly int M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc;
    public readonly float Alpha = alpha, Beta = beta;
    public readonly float* A = a, B = b, C = c;
}

/// <summary>
/// BLIS loop nest around a micro-kernel: jc (Nc columns) → pc (Kc depth; pack B) → ic (Mc rows; pack A)
/// → jr (NR-column panel) → ir (MR-row panel). Every C element is owned by one (ic, jr) tile and receives its
/// Kc-block partial sums in ascending pc order, so results do not depend on the thread count.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>Whole GEMM on the calling thread; allocation-free once the thread's buffers have grown.</summary>
    public static void Serial<TKernel>(in GemmCall g, GemmBlocking blk)
        where TKernel : struct, IMicroKernel
    {
        int MR = TKernel.MR, NR = TKernel.NR;
        blk = blk.ForTile(MR, NR);
        int kcMax = Math.Min(blk.Kc, g.K);
        using PackBuffer.Lease bBuf = PackBuffer.RentB((nuint)kcMax * (nuint)Math.Min(blk.Nc, RoundUp(g.N, NR)));
        using PackBuffer.Lease aBuf = PackBuffer.RentA((nuint)kcMax * (nuint)Math.Min(blk.Mc, RoundUp(g.M, MR)));
        for (int jc = 0; jc < g.N; jc += blk.Nc)
        {
            int nc = Math.Min(blk.Nc, g.N - jc);
            int panels = CeilDiv(nc, NR);
            for (int pc = 0; pc < g.K; pc += blk.Kc)
            {
                int kc = Math.Min(blk.Kc, g.K - pc);
                float beta = pc == 0 ? g.Beta : 1f;
                GemmPacking.PackB(g.TransB, g.B, g.Ldb, pc, kc, jc, nc, 0, panels, bBuf.Data, NR);
                for (int ic = 0; ic < g.M; ic += blk.Mc)
                {
                    int mc = Math.Min(blk.Mc, g.M - ic);
                    GemmPacking.PackA(g.TransA, g.A, g.Lda, ic, mc, pc, kc, aBuf.Data, MR);
                    Macro<TKernel>(mc, nc, kc, aBuf.Data, bBuf.Data, g.C + (nint)ic * g.Ldc + jc, g.Ldc, g.Alpha, beta, 0, panels);
                }
            }
        }
    }

    /// <summary>Runs the kernel over panels [panelFrom, panelTo) of a packed B block against one packed A block.</summary>
    public static void Macro<TKernel>(int mc, int nc, int kc, float* packedA, float* packedB, float* c, int ldc,
        float alpha, float beta, int panelFrom, int panelTo)
        where TKernel : struct, IMicroKernel
    {
        int MR = TKernel.MR, NR = TKernel.NR;
        for (int q = panelFrom; q < panelTo; q++)
        {
            int nr = Math.Min(NR, nc - q * NR);
            float* bPanel = packedB + (nint)q * NR * kc;
            float* cCols = c + q * NR;
            for (int ir = 0; ir < mc; ir += MR)
            {
                TKernel.Run(kc, packedA + (nint)ir * kc, bPanel, cCols + (nint)ir * ldc, ldc, Math.Min(MR, mc - ir), nr, alpha, beta);
            }
        }
    }

    public static int CeilDiv(int x, int y) => (x + y - 1) / y;

    public static int RoundUp(int x, int multiple) => CeilDiv(x, multiple) * multiple;
}
