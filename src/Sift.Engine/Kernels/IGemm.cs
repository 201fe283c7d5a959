namespace Sift.Engine.Kernels;

/// <summary>
/// Single-precision GEMM over row-major matrices:
/// C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C[m,n], where op(X) is X or Xᵀ.
/// lda/ldb/ldc are row strides of the matrices as stored (A is [m,k] or, transposed, [k,m]).
/// </summary>
/// <remarks>
/// Implementations: <see cref="NaiveGemm"/> (the obviously-correct reference used by tests),
/// a packed managed Vector256/FMA kernel, and OpenBLAS through P/Invoke.
/// For a fixed thread count every implementation must give bit-identical results run to run.
/// </remarks>
public interface IGemm
{
    /// <summary>Short name for logs and benchmark output ("openblas", "managed", "naive").</summary>
    string Name { get; }

    /// <summary>Computes C = alpha·op(A)·op(B) + beta·C. beta = 0 ignores C's old content (even NaN).</summary>
    unsafe void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);
}
