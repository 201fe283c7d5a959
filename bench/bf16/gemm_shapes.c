/*
 * The bf16 kernel (libsiftbf16.so) on one thread: the instruction's peak it is measured against, then the 15 GEMM
 * shapes of one `small` training step (8,192 tokens; forward Y = X.W^T, dX = dY.W, dW = dY^T.X), best of three.
 *
 *   lib=src/Sift.Cli/bin/Release/net10.0      # after `dotnet build -c Release src/Sift.Cli`
 *   gcc -O2 -Wall bench/bf16/gemm_shapes.c -o /tmp/gemm_shapes -L$lib -lsiftbf16 -Wl,-rpath,$lib
 *   /tmp/gemm_shapes
 *
 * The peak is the library's sift_bf16_dot_peak: 24 independent chains of VDPBF16PS (64 flops each: 16 lanes x 2
 * products x multiply-add) on one core. Needs a CPU with AVX512_BF16.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int sift_bf16_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, long lda,
    const float *b, long ldb, float beta, float *c, long ldc);
double sift_bf16_dot_peak(long iterations);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* VDPBF16PS GFLOP/s of this core, from the library's own peak loop (24 independent chains); best of three. */
static double dot_peak(void)
{
    double best = 0;
    for (int r = 0; r < 4; r++) /* the first round warms the core up */
    {
        double t = now();
        double flops = sift_bf16_dot_peak(4000000);
        t = now() - t;
        best = r > 0 && flops / t / 1e9 > best ? flops / t / 1e9 : best;
    }
    return best;
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
    double peak = dot_peak();
    printf("one core: VDPBF16PS peak %.1f GFLOP/s (`sift bench --phases square` also gives the fp32 FMA peak)\n", peak);
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
        double gflops = 2.0 * m * n * k / best / 1e9;
        printf("%s %5d x %5d x %5d  %6.1f GFLOP/s (%3.0f%% of peak)  %6.2f ms\n", ta ? "TN" : tb ? "NT" : "NN", m, n, k,
            gflops, 100 * gflops / peak, best * 1e3);
        flops += calls * 2.0 * m * n * k;
        seconds += calls * best;
        free(a);
        free(b);
        free(c);
    }
    printf("one step's GEMMs (15 shapes, weighted by calls), one thread: %.1f GFLOP/s (%.0f%% of peak, %.1f ms)\n",
        flops / seconds / 1e9, 100 * flops / seconds / 1e9 / peak, seconds * 1e3);
    return 0;
}
