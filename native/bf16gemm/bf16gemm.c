/*
 * Sift's bf16-mixed GEMM: C = alpha * op(A) * op(B) + beta * C over row-major float32 matrices, with A and B
 * rounded to bfloat16 (round to nearest, ties to even, exactly as FloatConversions.F32ToBf16Scalar) while they
 * are packed, and products accumulated in float32 by VDPBF16PS (AVX512_BF16). Written for Sift; compiled at
 * build time by src/Sift.Engine/Sift.Engine.csproj. One call is single-threaded: the C# caller
 * (Bf16Gemm) splits C between threads, and every element's k order is the same for any split.
 *
 * Packed layouts (uint32 = a pair of bf16: k even in the low half, k odd in the high half, as VDPBF16PS takes):
 *   A panel (MR rows):    ap[p * MR + r]  = pair(op(A)[r][2p], op(A)[r][2p+1])
 *   B panel (NR columns): bp[p * NR + j]  = pair(op(B)[2p][j], op(B)[2p+1][j])
 * Rows or columns past the edge and the odd k past the end are zero.
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MR 12
#define NR 32
#define KC 384  /* k per block (even): a 32-column B micro-panel of KC/2 pairs is 24 KB, inside a 32 KB L1 */
#define MC 96   /* rows of A per block (multiple of MR) */
#define NC 4096 /* columns of B per block (multiple of NR): wide enough that op(A) is packed once for the model's shapes */
#define AHEAD 2 /* software prefetch distance while packing, in 32-float blocks (k contiguous) or k pairs (rows contiguous) */

/* float32 bits -> bfloat16 bits in the high half (low half garbage): RNE; NaN stays a quiet NaN. */
static inline uint32_t round_hi(uint32_t x)
{
    uint32_t r = x + 0x7FFFu + ((x >> 16) & 1u);
    return (x & 0x7FFFFFFFu) > 0x7F800000u ? (x | 0x00400000u) : r;
}

static inline uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* The same rounding, exported so tests can compare it bit for bit with the C# reference. */
void sift_bf16_round(const float *src, uint16_t *dst, long n)
{
    for (long i = 0; i < n; i++)
    {
        dst[i] = (uint16_t)(round_hi(bits(src[i])) >> 16);
    }
}

int sift_bf16_cpu_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl");
}

/*
 * The instruction's peak on the calling thread: `iterations` rounds of 24 independent VDPBF16PS (64 flops each:
 * 16 lanes, 2 products, multiply-add; as many chains as the kernel's tile, so latency does not bound them).
 * Returns the flops done; the caller times the call. `sift bench --phases square` reports it beside the kernel.
 */
double sift_bf16_dot_peak(long iterations)
{
    __m512 acc[24];
    __m512bh x = (__m512bh)_mm512_set1_epi16(0x3f80);
    for (int j = 0; j < 24; j++)
    {
        acc[j] = _mm512_setzero_ps();
    }
    for (long i = 0; i < iterations; i++)
    {
#pragma GCC unroll 24
        for (int j = 0; j < 24; j++)
        {
            acc[j] = _mm512_dpbf16_ps(acc[j], x, x);
        }
        __asm__ volatile("" : "+v"(x)); /* x may change each round, so the loop is not folded */
    }
    float sink = 0.0f;
    for (int j = 0; j < 24; j++)
    {
        sink += _mm512_reduce_add_ps(acc[j]);
    }
    __asm__ volatile("" : : "x"(sink));
    return iterations * 24.0 * 64.0;
}

/* round_hi over 16 lanes. */
static inline __m512i round_hi16(__m512i x)
{
    __m512i r = _mm512_add_epi32(_mm512_add_epi32(x, _mm512_set1_epi32(0x7FFF)),
        _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1)));
    __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(x, _mm512_set1_epi32(0x7FFFFFFF)), _mm512_set1_epi32(0x7F800000));
    return _mm512_mask_or_epi32(r, nan, x, _mm512_set1_epi32(0x00400000));
}

/* 16 pairs from lines e and o (lane r: pair(e[r], o[r])); lanes outside a mask read nothing and count as 0. */
static inline __m512i pairs16(const float *e, __mmask16 me, const float *o, __mmask16 mo)
{
    __m512i lo = round_hi16(_mm512_maskz_loadu_epi32(me, e)), hi = round_hi16(_mm512_maskz_loadu_epi32(mo, o));
    return _mm512_or_si512(_mm512_srli_epi32(lo, 16), _mm512_and_si512(hi, _mm512_set1_epi32((int)0xFFFF0000u)));
}

static inline __mmask16 first(int n)
{
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u);
}

/* Transposes 16 x 16 uint32: on return v[i] holds column i of the input rows v[0..15]. */
static inline void transpose16(__m512i v[16])
{
    __m512i t[16];
    for (int i = 0; i < 16; i += 2)
    {
        t[i] = _mm512_unpacklo_epi32(v[i], v[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(v[i], v[i + 1]);
    }
    for (int i = 0; i < 16; i += 4)
    {
        v[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        v[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        v[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        v[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; i++)
    {
        t[i] = _mm512_shuffle_i32x4(v[i], v[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_i32x4(v[i], v[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_i32x4(v[i + 8], v[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_i32x4(v[i + 8], v[i + 12], 0xDD);
    }
    for (int i = 0; i < 4; i++)
    {
        v[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
        v[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xDD);
        v[i + 4] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0x88);
        v[i + 12] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0xDD);
    }
}

/*
 * Packs rows [0, rows) x k [k0, k0 + kc) of a matrix X with element (i, kk) at x[i * si + kk * sk] into
 * panels of `width` rows: dst[panel][p * width + r]. Used for A (rows = i, width MR) and for B read as
 * op(B)^T (rows = j, width NR), so one routine serves all four transpose cases. One of si, sk is 1.
 * The source usually comes from memory, not cache: each path reads it in address order and prefetches
 * AHEAD (on Zen 5 the GEMM went from about 280 to 326 GFLOP/s per core against a row-by-row scatter).
 */
static void pack(const float *x, long si, long sk, int rows, int k0, int kc, int width, uint32_t *dst)
{
    int pairs = (kc + 1) / 2;
    /* 16-bit lanes 1, 3, ..., 63 of (lo, hi): the bf16 halves of 32 consecutive rounded floats, in order. */
    __m512i odd = _mm512_set_epi16(63, 61, 59, 57, 55, 53, 51, 49, 47, 45, 43, 41, 39, 37, 35, 33,
        31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    if (sk == 1)
    {
        /* k contiguous: 16 rows x 32 floats round and narrow into 16 x 16 pairs, transposed into pair-major order. */
        for (int r0 = 0; r0 < rows; r0 += width)
        {
            int h = rows - r0 < width ? rows - r0 : width;
            uint32_t *d = dst + (long)r0 * pairs;
            for (int s0 = 0; s0 < width; s0 += 16)
            {
                int hs = h - s0; /* real rows in this 16-row strip, 0 to 16; the rest pack as zeros */
                hs = hs < 0 ? 0 : hs > 16 ? 16 : hs;
                int ws = width - s0 < 16 ? width - s0 : 16;
                __mmask16 ms = first(ws);
                for (int q = 0; q < pairs; q += 16)
                {
                    int left = kc - 2 * q;
                    __mmask16 m0 = first(left), m1 = left > 16 ? first(left - 16) : 0;
                    __m512i v[16];
                    for (int r = 0; r < 16; r++)
                    {
                        if (r < hs)
                        {
                            const float *row = x + (long)(r0 + s0 + r) * si + k0 + 2 * q;
                            _mm_prefetch((const char *)(row + 32 * AHEAD), _MM_HINT_T0);
                            _mm_prefetch((const char *)(row + 32 * AHEAD + 16), _MM_HINT_T0);
                            __m512i lo = round_hi16(_mm512_maskz_loadu_epi32(m0, row));
                            __m512i hi = round_hi16(_mm512_maskz_loadu_epi32(m1, row + 16));
                            v[r] = _mm512_permutex2var_epi16(lo, odd, hi);
                        }
                        else
                        {
                            v[r] = _mm512_setzero_si512();
                        }
                    }
                    transpose16(v);
                    int np = pairs - q < 16 ? pairs - q : 16;
                    for (int i = 0; i < np; i++)
                    {
                        _mm512_mask_storeu_epi32(d + (long)(q + i) * width + s0, ms, v[i]);
                    }
                }
            }
        }
        return;
    }
    /* Rows contiguous (si == 1): two source lines (k = 2p, 2p + 1) give pair p of every row, read in order. */
    for (int p = 0; 2 * p < kc; p++)
    {
        const float *e = x + (long)(k0 + 2 * p) * sk;
        const float *o = 2 * p + 1 < kc ? e + sk : NULL;
        if (2 * (p + AHEAD) + 1 < kc)
        {
            const float *pe = e + 2 * AHEAD * sk;
            for (int r = 0; r < rows; r += 16)
            {
                _mm_prefetch((const char *)(pe + r), _MM_HINT_T0);
                _mm_prefetch((const char *)(pe + sk + r), _MM_HINT_T0);
            }
        }
        for (int r0 = 0; r0 < rows; r0 += width)
        {
            int h = rows - r0 < width ? rows - r0 : width;
            uint32_t *dp = dst + (long)r0 * pairs + (long)p * width;
            for (int r = 0; r < width; r += 16)
            {
                int left = h - r;
                __mmask16 m = left <= 0 ? 0 : first(left);
                __mmask16 ms = first(width - r);
                _mm512_mask_storeu_epi32(dp + r, ms, pairs16(e + r0 + r, m, o ? o + r0 + r : e + r0 + r, o ? m : 0));
            }
        }
    }
}

/* One MR x NR tile: c = alpha * (a . b) + beta * c over `pairs` k pairs; mr/nr trim the edges. */
static inline void tile(int pairs, const uint32_t *a, const uint32_t *b, float *c, long ldc,
    float alpha, float beta, int mr, int nr)
{
    __m512 acc[MR][2];
    /* C is touched only after the k loop; fetching it now hides the miss (a C row block rarely stays in L2). With
     * beta == 0 too: each store still reads its line first (write-allocate). On Zen 5 that took the step's GEMMs
     * from about 320 to 355 GFLOP/s on one core. */
    for (int r = 0; r < mr; r++)
    {
        _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + r * ldc + 16), _MM_HINT_T0);
    }
    for (int r = 0; r < MR; r++)
    {
        acc[r][0] = _mm512_setzero_ps();
        acc[r][1] = _mm512_setzero_ps();
    }
    for (int p = 0; p < pairs; p++)
    {
        __m512bh b0 = (__m512bh)_mm512_load_si512((const void *)b);
        __m512bh b1 = (__m512bh)_mm512_load_si512((const void *)(b + 16));
        for (int r = 0; r < MR; r++)
        {
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)a[r]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
        }
        a += MR;
        b += NR;
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1u);
    __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : nr <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nr - 16)) - 1u);
    for (int r = 0; r < MR; r++)
    {
        if (r >= mr)
        {
            break;
        }
        float *cr = c + r * ldc;
        __m512 x0 = _mm512_mul_ps(va, acc[r][0]), x1 = _mm512_mul_ps(va, acc[r][1]);
        if (beta != 0.0f)
        {
            x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, cr), x0);
            x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, cr + 16), x1);
        }
        _mm512_mask_storeu_ps(cr, m0, x0);
        _mm512_mask_storeu_ps(cr + 16, m1, x1);
    }
}

/* C = beta * C over rows x cols (an empty product); beta == 0 writes zeros whatever C held (NaN included). */
static void scale_c(int rows, int cols, float beta, float *c, long ldc)
{
    for (int i = 0; i < rows; i++)
    {
        for (int j = 0; j < cols; j++)
        {
            c[(long)i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[(long)i * ldc + j];
        }
    }
}

static __thread uint32_t *t_abuf, *t_bbuf;

static uint32_t *buffer(uint32_t **slot, size_t words)
{
    if (*slot == NULL)
    {
        *slot = aligned_alloc(64, words * 4);
    }
    return *slot;
}

/*
 * C[m, n] = alpha * op(A) * op(B) + beta * C with op(A) [m, k] and op(B) [k, n]; beta == 0 ignores C's content.
 * Returns 0, or -1 when the packing buffers could not be allocated.
 */
int sift_bf16_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, long lda,
    const float *b, long ldb, float beta, float *c, long ldc)
{
    if (m <= 0 || n <= 0)
    {
        return 0;
    }
    if (k <= 0)
    {
        scale_c(m, n, beta, c, ldc);
        return 0;
    }
    uint32_t *ap = buffer(&t_abuf, (size_t)MC * (KC / 2));
    uint32_t *bp = buffer(&t_bbuf, (size_t)NC * (KC / 2));
    if (ap == NULL || bp == NULL)
    {
        return -1;
    }
    /* op(A)[i][kk] = a[i * ai + kk * ak]; op(B)^T[j][kk] = b[j * bj + kk * bk]. */
    long ai = transA ? 1 : lda, ak = transA ? lda : 1;
    long bj = transB ? ldb : 1, bk = transB ? 1 : ldb;
    for (int jc = 0; jc < n; jc += NC)
    {
        int nc = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = k - pc < KC ? k - pc : KC;
            int pairs = (kc + 1) / 2;
            float bt = pc == 0 ? beta : 1.0f;
            pack(b + (long)jc * bj, bj, bk, nc, pc, kc, NR, bp);
            for (int ic = 0; ic < m; ic += MC)
            {
                int mc = m - ic < MC ? m - ic : MC;
                pack(a + (long)ic * ai, ai, ak, mc, pc, kc, MR, ap);
                for (int jr = 0; jr < nc; jr += NR)
                {
                    for (int ir = 0; ir < mc; ir += MR)
                    {
                        tile(pairs, ap + (long)ir * pairs, bp + (long)jr * pairs,
                            c + (long)(ic + ir) * ldc + jc + jr, ldc, alpha, bt,
                            mc - ir < MR ? mc - ir : MR, nc - jr < NR ? nc - jr : NR);
                    }
                }
            }
        }
    }
    return 0;
}

/*
 * Causal attention products (Sift.Engine.Ops.Attention under bf16-mixed), one head on the calling thread.
 * B is packed once per head by sift_bf16_pack_b into NR-column panels over all of k:
 *   bp[q * NR * P + p * NR + j] = pair(op(B)[2p][q*NR + j], op(B)[2p+1][q*NR + j]), P = (k + 1) / 2,
 * and reused for every MR-row panel of A, which is packed over its causal k range only. Patterns as
 * CausalGemm.cs: 0 = lower output (only column tiles that reach j <= i, diagonal tiles whole), 1 = prefix k
 * (row i sums k in [0, i]), 2 = suffix k (row j sums k in [j, k)). A must hold exact zeros outside the triangle
 * within the tiles the diagonal panels read (attention's probabilities do).
 */
long sift_bf16_packed_words(int k, int n)
{
    return (long)((k + 1) / 2) * ((n + NR - 1) / NR * NR);
}

void sift_bf16_pack_b(int transB, const float *b, long ldb, int k, int n, uint32_t *dst)
{
    long bj = transB ? ldb : 1, bk = transB ? 1 : ldb;
    long pairsAll = (k + 1) / 2;
    for (int j0 = 0; j0 < n; j0 += NR)
    {
        int h = n - j0 < NR ? n - j0 : NR;
        for (int p0 = 0; p0 < k; p0 += KC)
        {
            int kc = k - p0 < KC ? k - p0 : KC;
            pack(b + (long)j0 * bj, bj, bk, h, p0, kc, NR, dst + (long)j0 * pairsAll + (long)(p0 / 2) * NR);
        }
    }
}

int sift_bf16_causal(int pattern, int transA, int m, int n, int k, float alpha, const float *a, long lda,
    const uint32_t *bp, float beta, float *c, long ldc)
{
    uint32_t *ap = buffer(&t_abuf, (size_t)MC * (KC / 2));
    if (ap == NULL)
    {
        return -1;
    }
    long ai = transA ? 1 : lda, ak = transA ? lda : 1;
    long pairsAll = (k + 1) / 2;
    for (int i0 = 0; i0 < m; i0 += MR)
    {
        int mr = m - i0 < MR ? m - i0 : MR;
        int kLo = 0, kHi = k;
        if (pattern == 1)
        {
            kHi = i0 + MR < k ? i0 + MR : k;
        }
        else if (pattern == 2)
        {
            kLo = i0 < k ? i0 : k;
        }
        int cols = pattern == 0 && i0 + MR < n ? i0 + MR : n;
        float *crow = c + (long)i0 * ldc;
        if (kHi <= kLo)
        {
            scale_c(mr, cols, beta, crow, ldc);
            continue;
        }
        /* kLo is a multiple of MR (even), so every chunk starts on a whole pair of the packed B. */
        for (int p0 = kLo; p0 < kHi; p0 += KC)
        {
            int kc = kHi - p0 < KC ? kHi - p0 : KC;
            float bt = p0 == kLo ? beta : 1.0f;
            pack(a + (long)i0 * ai, ai, ak, mr, p0, kc, MR, ap);
            for (int j0 = 0; j0 < cols; j0 += NR)
            {
                tile((kc + 1) / 2, ap, bp + (long)j0 * pairsAll + (long)(p0 / 2) * NR, crow + j0, ldc, alpha, bt,
                    mr, n - j0 < NR ? n - j0 : NR);
            }
        }
    }
    return 0;
}
