using Sift.Engine.Kernels;

namespace Sift.Engine.Ops;

/// <summary>
/// A projection's bias: Y[r, :] += b (after the GEMM). Backward: db += Σ_r dY[r, :].
/// The backward splits columns across threads and sums rows in order, so results do not depend on the thread count.
/// </summary>
public static unsafe class Bias
{
    /// <summary>Below this many elements the work runs on one thread.</summary>
    private const long ParallelThreshold = 1 << 15;

    /// <summary>y[r, j] += b[j] for r &lt; rows, j &lt; dim (rows are <paramref name="dim"/> apart).</summary>
    public static void Forward(float* y, float* b, int rows, int dim, int threads)
    {
        var a = new Args { Y = y, B = b, Dim = dim };
        Par.For(rows, (long)rows * dim < ParallelThreshold ? 1 : threads, &a, &ForwardRows);
    }

    /// <summary>db[j] += Σ_r dy[r, j].</summary>
    public static void Backward(float* db, float* dy, int rows, int dim, int threads)
    {
        var a = new Args { Y = dy, B = db, Dim = dim, Rows = rows };
        // Blocks of 64 columns: a cache line of db per block, and the split does not depend on the thread count.
        Par.For((dim + 63) / 64, (long)rows * dim < ParallelThreshold ? 1 : threads, &a, &BackwardBlocks);
    }

    private struct Args
    {
        public float* Y, B;
        public int Dim, Rows;
    }

    private static void ForwardRows(Args* a, int s, int e)
    {
        for (int r = s; r < e; r++)
        {
            Vec.Add(a->Y + (long)r * a->Dim, a->B, a->Dim);
        }
    }

    private static void BackwardBlocks(Args* a, int s, int e)
    {
        int j0 = s * 64, j1 = Math.Min(a->Dim, e * 64);
        for (int r = 0; r < a->Rows; r++)
        {
            Vec.Add(a->B + j0, a->Y + (long)r * a->Dim + j0, j1 - j0);
        }
    }
}
