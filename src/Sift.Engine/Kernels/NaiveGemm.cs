namespace Sift.Engine.Kernels;

/// <summary>
/// The reference GEMM: three loops, double accumulation. Slow and obviously correct;
/// the fast kernels are tested against it.
/// </summary>
public sealed class NaiveGemm : IGemm
{
    /// <inheritdoc />
    public string Name => "naive";

    /// <inheritdoc />
    public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    acc += (double)av * bv;
                }
                float old = beta == 0 ? 0 : beta * c[i * ldc + j];
                c[i * ldc + j] = (float)(alpha * acc) + old;
            }
        }
    }
}
