using Sift.Engine.Kernels;

namespace Sift.Engine.Tests.Kernels.Gemm;

/// <summary>
/// One GEMM problem with random operands in uniform(−1, 1). Stride padding in A and B holds NaN (reading it
/// would poison the result) and padding in C holds a sentinel that must survive the call.
/// </summary>
internal sealed class GemmCase
{
    public const float Sentinel = 12345.5f;

    private GemmCase(bool transA, bool transB, int m, int n, int k, float alpha, float beta, int lda, int ldb, int ldc)
    {
        (TransA, TransB, M, N, K, Alpha, Beta, Lda, Ldb, Ldc) = (transA, transB, m, n, k, alpha, beta, lda, ldb, ldc);
        A = new float[Math.Max(1, (transA ? k : m) * lda)];
        B = new float[Math.Max(1, (transB ? n : k) * ldb)];
        C0 = new float[Math.Max(1, m * ldc)];
    }

    public bool TransA { get; }
    public bool TransB { get; }
    public int M { get; }
    public int N { get; }
    public int K { get; }
    public float Alpha { get; }
    public float Beta { get; }
    public int Lda { get; }
    public int Ldb { get; }
    public int Ldc { get; }
    public float[] A { get; }
    public float[] B { get; }
    public float[] C0 { get; }

    public static GemmCase Create(int seed, bool transA, bool transB, int m, int n, int k,
        float alpha = 1f, float beta = 0f, int padA = 0, int padB = 0, int padC = 0, bool nanC = false)
    {
        int lda = Math.Max(1, transA ? m : k) + padA;
        int ldb = Math.Max(1, transB ? k : n) + padB;
        int ldc = Math.Max(1, n) + padC;
        var g = new GemmCase(transA, transB, m, n, k, alpha, beta, lda, ldb, ldc);
        var rng = new Random(seed);
        Fill(rng, g.A, transA ? m : k, lda, float.NaN);
        Fill(rng, g.B, transB ? k : n, ldb, float.NaN);
        Fill(rng, g.C0, n, ldc, Sentinel);
        if (nanC)
        {
            for (int i = 0; i < m; i++)
            {
                g.C0.AsSpan(i * ldc, n).Fill(float.NaN);
            }
        }
        return g;
    }

    /// <summary>Runs the GEMM on a fresh copy of C0 and returns C.</summary>
    public unsafe float[] Run(IGemm gemm)
    {
        float[] c = (float[])C0.Clone();
        fixed (float* a = A, b = B, pc = c)
        {
            gemm.Sgemm(TransA, TransB, M, N, K, Alpha, a, Lda, b, Ldb, Beta, pc, Ldc);
        }
        return c;
    }

    /// <summary>Asserts C matches the naive GEMM within a rounding bound, and C's padding is untouched.</summary>
    public void AssertMatchesNaive(float[] actual, string label)
    {
        float[] expected = Run(new NaiveGemm());
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < N; j++)
            {
                // |error| ≤ (k + 4)·2u·(|alpha|·Σ|a||b| + |beta·c|): recursive-summation bound plus the scaling steps.
                double magnitude = 0;
                for (int p = 0; p < K; p++)
                {
                    magnitude += Math.Abs((double)GetA(i, p) * GetB(p, j));
                }
                double old = Beta == 0 ? 0 : Math.Abs((double)Beta * C0[i * Ldc + j]);
                double tol = (K + 4) * Math.Pow(2, -23) * (Math.Abs(Alpha) * magnitude + old) + 1e-30;
                float e = expected[i * Ldc + j], got = actual[i * Ldc + j];
                if (!(Math.Abs(e - got) <= tol))
                {
                    Assert.Fail($"{label} {Describe()}: C[{i},{j}] = {got}, expected {e} (tolerance {tol:G3})");
                }
            }
            for (int j = N; j < Ldc && i * Ldc + j < actual.Length; j++)
            {
                Assert.True(actual[i * Ldc + j] == Sentinel, $"{label} {Describe()}: padding C[{i},{j}] was overwritten");
            }
        }
    }

    public string Describe() =>
        $"(transA={TransA}, transB={TransB}, m={M}, n={N}, k={K}, alpha={Alpha}, beta={Beta}, lda={Lda}, ldb={Ldb}, ldc={Ldc})";

    private float GetA(int i, int p) => TransA ? A[p * Lda + i] : A[i * Lda + p];

    private float GetB(int p, int j) => TransB ? B[j * Ldb + p] : B[p * Ldb + j];

    private static void Fill(Random rng, float[] data, int cols, int stride, float pad)
    {
        for (int idx = 0; idx < data.Length; idx++)
        {
            data[idx] = idx % stride < cols ? rng.NextSingle() * 2 - 1 : pad;
        }
    }
}
