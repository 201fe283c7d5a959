namespace Sift.Engine.Kernels.Gemm;

/// <summary>Shape and stride checks shared by the fast GEMMs (programming errors, so ArgumentException).</summary>
internal static unsafe class GemmArgs
{
    /// <summary>Throws unless the sizes are non-negative and each row stride covers its row (row-major, BLAS rules).</summary>
    public static void Validate(bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(lda, Math.Max(1, transA ? m : k));
        ArgumentOutOfRangeException.ThrowIfLessThan(ldb, Math.Max(1, transB ? k : n));
        ArgumentOutOfRangeException.ThrowIfLessThan(ldc, Math.Max(1, n));
        if (m > 0 && n > 0)
        {
            if (c == null)
            {
                throw new ArgumentNullException(nameof(c));
            }
            if (k > 0 && (a == null || b == null))
            {
                throw new ArgumentNullException(a == null ? nameof(a) : nameof(b));
            }
        }
    }

    /// <summary>
    /// The checks and degenerate cases every fast GEMM starts with: validates, does nothing for an empty C, scales C
    /// when k = 0 or alpha = 0; returns true only when a real product is left to compute.
    /// </summary>
    public static bool NeedsProduct(bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0)
        {
            return false;
        }
        if (k == 0 || alpha == 0)
        {
            ScaleC(m, n, beta, c, ldc);
            return false;
        }
        return true;
    }

    /// <summary>C = beta·C over the m×n block (beta = 0 clears, ignoring NaN); used when k = 0 or alpha = 0.</summary>
    public static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        if (beta == 1)
        {
            return;
        }
        for (int i = 0; i < m; i++)
        {
            Span<float> row = new(c + (nint)i * ldc, n);
            if (beta == 0)
            {
                row.Clear();
            }
            else
            {
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] *= beta;
                }
            }
        }
    }
}
