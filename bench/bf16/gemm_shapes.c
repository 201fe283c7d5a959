/*
 * The bf16 kernel (libsiftbf16.so) on one thread: the instruction peaks it is measured against, then the 15 GEMM
 * shapes of one `small` training step (8,192 tokens; forward Y = X.W^T, dX = dY.W, dW = dY^T.X), best of three.
 *
 *   lib=src/Sift.Cli/bin/Release/net10.0      # after `dotnet build -c Release src/Sift.Cli`
 *   gcc -O2 -mavx512f -mavx512bf16 bench/bf16/gemm_shapes.c -o /tmp/gemm_shapes -L$lib -lsiftbf16 -Wl,-rpath,$lib
 *   /tmp/gemm_shapes
 *
 * The peaks: 24 independent chains of VDPBF16PS (64 flops each: 16 lanes x 2 products x multiply-add) and of
 * 512-bit fp32 FMA (32 flops), one core. Where VDPBF16PS does not reach about twice the FMA rate, bf16-mixed
 * cannot train about twice as fast as fp32 on that CPU, whatever the kernel around it.
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int sift_bf16_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, long lda,
    const float *b, long ldb, float beta, float *c, long ldc);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void peaks(void)
{
    const long n = 50000000;
    __m512 acc[24]; /* as many chains as the kernel's tile, so latency does not bound them */
    __m512bh x = (__m512bh)_mm512_set1_epi16(0x3f80);
    for (int j = 0; j < 24; j++)
    {
        acc[j] = _mm512_setzero_ps();
    }
    double t = now();
    for (long i = 0; i < n; i++)
    {
#pragma GCC unroll 24 /* the 24 accumulators must live in registers */
        for (int j = 0; j < 24; j++)
        {
            acc[j] = _mm512_dpbf16_ps(acc[j], x, x);
        }
        __asm__ volatile("" : "+v"(x)); /* keeps the loop from being folded */
    }
    double bf = n * 24.0 * 64 / (now() - t) / 1e9;
    __m512 f = _mm512_set1_ps(1e-9f), one = _mm512_set1_ps(1.0f);
    t = now();
    for (long i = 0; i < n; i++)
    {
#pragma GCC unroll 24
        for (int j = 0; j < 24; j++)
        {
            acc[j] = _mm512_fmadd_ps(f, one, acc[j]);
        }
        __asm__ volatile("" : "+v"(f));
    }
    double fp = n * 24.0 * 32 / (now() - t) / 1e9;
    float sink = 0;
    for (int j = 0; j < 24; j++)
    {
        sink += _mm512_reduce_add_ps(acc[j]);
    }
    printf("one core: VDPBF16PS %.1f GFLOP/s, fp32 FMA (512-bit) %.1f GFLOP/s, ratio %.2f%s\n", bf, fp, bf / fp,
        sink == 12345.0f ? " " : "");
}

int main(void)
{
    /* m n k transA transB calls-per-step (6 layers; the output head once) */
    static const int shapes[][6] = {
        {8192, 640, 384, 0, 1, 6}, {8192, 384, 384, 0, 1, 6}, {8192, 2048, 384, 0, 1, 6}, {8192, 384, 1024, 0, 1, 6},
        {8192, 4096, 384, 0, 1, 1}, {8192, 384, 640, 0, 0, 6}, {8192, 384, 384, 0, 0, 6}, {8192, 384, 2048, 0, 0, 6},
        {8192, 1024, 384, 0, 0, 6}, {8192, 384, 4096, 0, 0, 1}, {640, 384, 8192, 1, 0, 6}, {384, 384, 8192, 1, 0, 6},
        {2048, 384, 8192, 1, 0, 6}, {384, 1024, 8192, 1, 0, 6}, {4096, 384, 8192, 1, 0, 1},
    };
    peaks();
    double flops = 0, seconds = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], ta = shapes[s][3], tb = shapes[s][4], calls = shapes[s][5];
        float *a = malloc(4L * m * k), *b = malloc(4L * k * n), *c = calloc((size_t)m * n, 4);
        if (a == NULL || b == NULL || c == NULL)
        {
            fprintf(stderr, "gemm_shapes: out of memory\n");
            return 1;
        }
        for (long i = 0; i < (long)m * k; i++)
        {
            a[i] = (float)(i % 7) * 0.1f;
        }
        for (long i = 0; i < (long)k * n; i++)
        {
            b[i] = (float)(i % 5) * 0.1f;
        }
        long lda = ta ? m : k, ldb = tb ? k : n;
        float beta = ta ? 1.0f : 0.0f; /* dW accumulates, as in training */
        double best = 1e30;
        for (int r = 0; r < 3; r++)
        {
            double t = now();
            if (sift_bf16_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, n) != 0)
            {
                fprintf(stderr, "gemm_shapes: the kernel could not allocate its buffers\n");
                return 1;
            }
            t = now() - t;
            best = t < best ? t : best;
        }
        printf("%s %5d x %5d x %5d  %6.1f GFLOP/s  %6.2f ms\n", ta ? "TN" : tb ? "NT" : "NN", m, n, k,
            2.0 * m * n * k / best / 1e9, best * 1e3);
        flops += calls * 2.0 * m * n * k;
        seconds += calls * best;
        free(a);
        free(b);
        free(c);
    }
    printf("one step's GEMMs (15 shapes, weighted by calls), one thread: %.1f GFLOP/s (%.1f ms)\n", flops / seconds / 1e9, seconds * 1e3);
    return 0;
}
