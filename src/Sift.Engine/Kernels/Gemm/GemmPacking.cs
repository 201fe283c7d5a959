using System.Runtime.Intrinsics;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous, zero-padded panel layouts the micro-kernel streams.
/// Transposition is resolved here, so the kernel only ever sees one layout. Panel sizes (MR rows of A, NR
/// columns of B) are the kernel's.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[ic..ic+mc, pc..pc+kc] into ⌈mc/MR⌉ panels; panel q holds rows ic+MR·q.. as kc×MR (k-major),
    /// at dst + MR·q·kc. Rows past mc are zero.
    /// </summary>
    public static void PackA(bool transA, float* a, int lda, int ic, int mc, int pc, int kc, float* dst, int MR)
    {
        if (transA)
        {
            PackATransposed(a, lda, ic, mc, pc, kc, dst, MR);
            return;
        }
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            float* d = dst + (nint)ir * kc;
            // A is [m,k]: element (i,p) at a[i·lda + p]; MR row streams read in step.
            float* r0 = a + (nint)(ic + ir) * lda + pc;
            if (mr == 6 && MR == 6)
            {
                float* r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
                for (int p = 0; p < kc; p++, d += MR)
                {
                    d[0] = r0[p];
                    d[1] = r1[p];
                    d[2] = r2[p];
                    d[3] = r3[p];
                    d[4] = r4[p];
                    d[5] = r5[p];
                }
            }
            else
            {
                // Row by row: each source row is read contiguously, written with stride MR.
                for (int r = 0; r < MR; r++)
                {
                    float* col = d + r;
                    if (r < mr)
                    {
                        float* src = r0 + (nint)r * lda;
                        for (int p = 0; p < kc; p++)
                        {
                            col[p * MR] = src[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            col[p * MR] = 0f;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="PackA"/> for A stored [k,m] (element (i,p) at a[p·lda + i]). The k loop is outermost, so each
    /// k-row of the block is read once, contiguously, and its MR-runs are written to every panel: walking panel by
    /// panel instead read MR floats per row at a stride of lda (one page per k step), which on Zen 4 held the
    /// TN shapes of a training step (dW = dYᵀ·X, k = 8192) 15-25% below the others on one thread.
    /// </summary>
    private static void PackATransposed(float* a, int lda, int ic, int mc, int pc, int kc, float* dst, int MR)
    {
        int full = mc / MR, rest = mc - full * MR;
        nint panelStride = (nint)MR * kc;
        for (int p = 0; p < kc; p++)
        {
            float* s = a + (nint)(pc + p) * lda + ic;
            float* d = dst + (nint)p * MR;
            for (int q = 0; q < full; q++, s += MR, d += panelStride)
            {
                CopyRun(s, d, MR);
            }
            if (rest > 0)
            {
                for (int r = 0; r < MR; r++)
                {
                    d[r] = r < rest ? s[r] : 0f;
                }
            }
        }
    }

    /// <summary>
    /// Packs panels [panelFrom, panelTo) of op(B)[pc..pc+kc, jc..jc+nc]; panel q holds columns jc+NR·q.. as
    /// kc×NR (k-major) at dst + NR·q·kc. Columns past nc are zero.
    /// </summary>
    public static void PackB(bool transB, float* b, int ldb, int pc, int kc, int jc, int nc, int panelFrom, int panelTo, float* dst, int NR)
    {
        for (int q = panelFrom; q < panelTo; q++)
        {
            int j0 = q * NR;
            int nr = Math.Min(NR, nc - j0);
            float* d = dst + (nint)j0 * kc;
            if (!transB)
            {
                // B is [k,n]: element (p,j) at b[p·ldb + j]; each k-row of the panel is NR contiguous floats.
                float* s = b + (nint)pc * ldb + jc + j0;
                if (nr == NR && NR % 8 == 0)
                {
                    for (int p = 0; p < kc; p++, d += NR, s += ldb)
                    {
                        for (int j = 0; j < NR; j += 8)
                        {
                            Vector256.Store(Vector256.Load(s + j), d + j);
                        }
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++, d += NR, s += ldb)
                    {
                        for (int j = 0; j < NR; j++)
                        {
                            d[j] = j < nr ? s[j] : 0f;
                        }
                    }
                }
            }
            else
            {
                // B is stored [n,k]: element (p,j) at b[j·ldb + p]; read each column's k-run contiguously.
                for (int j = 0; j < NR; j++)
                {
                    float* col = d + j;
                    if (j < nr)
                    {
                        float* s = b + (nint)(jc + j0 + j) * ldb + pc;
                        for (int p = 0; p < kc; p++)
                        {
                            col[p * NR] = s[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            col[p * NR] = 0f;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Copies one MR-run (6 for the Vector256 tile, 12 for the Vector512 one) with vector moves.</summary>
    private static void CopyRun(float* s, float* d, int mr)
    {
        switch (mr)
        {
            case 6:
                Vector128.Store(Vector128.Load(s), d);
                Vector64.Store(Vector64.Load(s + 4), d + 4);
                break;
            case 12:
                Vector256.Store(Vector256.Load(s), d);
                Vector128.Store(Vector128.Load(s + 8), d + 8);
                break;
            default:
                new ReadOnlySpan<float>(s, mr).CopyTo(new Span<float>(d, mr));
                break;
        }
    }
}
