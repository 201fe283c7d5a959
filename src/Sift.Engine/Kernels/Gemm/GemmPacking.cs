using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
                int p = 0;
                if (Avx.IsSupported)
                {
                    for (; p <= kc - 8; p += 8, d += 8 * MR)
                    {
                        Transpose6x8(r0 + p, r1 + p, r2 + p, r3 + p, r4 + p, r5 + p, d);
                    }
                }
                for (; p < kc; p++, d += MR)
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

    /// <summary>
    /// Eight k steps of six rows into the 6-wide panel layout (d[6p + r] = row r, step p): an 8×8 AVX transpose with
    /// rows 6 and 7 zero, stored as a 4-float and a 2-float run per step. It replaces a scalar copy of 6 loads and 6
    /// stores per k step, which by count was about a quarter of the work of attention's O = P·V and dQ = dS·K (A panels
    /// that are long rows of P and dS, against 4 column tiles).
    /// </summary>
    private static void Transpose6x8(float* r0, float* r1, float* r2, float* r3, float* r4, float* r5, float* d)
    {
        Vector256<float> a0 = Avx.LoadVector256(r0), a1 = Avx.LoadVector256(r1), a2 = Avx.LoadVector256(r2);
        Vector256<float> a3 = Avx.LoadVector256(r3), a4 = Avx.LoadVector256(r4), a5 = Avx.LoadVector256(r5);
        Vector256<float> zero = Vector256<float>.Zero;
        // t0 = r0/r1 steps 0,1 | 4,5; t1 = steps 2,3 | 6,7; likewise rows 2/3 and 4/5.
        Vector256<float> t0 = Avx.UnpackLow(a0, a1), t1 = Avx.UnpackHigh(a0, a1);
        Vector256<float> t2 = Avx.UnpackLow(a2, a3), t3 = Avx.UnpackHigh(a2, a3);
        Vector256<float> t4 = Avx.UnpackLow(a4, a5), t5 = Avx.UnpackHigh(a4, a5);
        // u_c = rows 0-3 of step c | step c+4; v_c = rows 4, 5 (then zeros) of the same steps.
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> v0 = Avx.Shuffle(t4, zero, 0x44), v1 = Avx.Shuffle(t4, zero, 0xEE);
        Vector256<float> v2 = Avx.Shuffle(t5, zero, 0x44), v3 = Avx.Shuffle(t5, zero, 0xEE);
        StoreStep(d, u0.GetLower(), v0.GetLower());
        StoreStep(d + 6, u1.GetLower(), v1.GetLower());
        StoreStep(d + 12, u2.GetLower(), v2.GetLower());
        StoreStep(d + 18, u3.GetLower(), v3.GetLower());
        StoreStep(d + 24, u0.GetUpper(), v0.GetUpper());
        StoreStep(d + 30, u1.GetUpper(), v1.GetUpper());
        StoreStep(d + 36, u2.GetUpper(), v2.GetUpper());
        StoreStep(d + 42, u3.GetUpper(), v3.GetUpper());
    }

    private static void StoreStep(float* d, Vector128<float> rows0to3, Vector128<float> rows4and5)
    {
        rows0to3.Store(d);
        *(double*)(d + 4) = rows4and5.AsDouble().ToScalar();
    }
}
