namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// Cutting one GEMM across threads by slices of C: rows when C is at least as tall as wide, else columns, in whole
/// units (a register tile), so each slice is an independent GEMM over the same k and sums in the same order.
/// </summary>
internal static unsafe class GemmSlice
{
    /// <summary>
    /// Slice <paramref name="part"/> of <paramref name="parts"/>: op(A), op(B) and C offset to it, and its m and n.
    /// False when the slice is empty (more parts than units).
    /// </summary>
    public static bool Cut(bool byRows, int unit, int part, int parts, bool transA, bool transB, int m, int n,
        float* a, int lda, float* b, int ldb, float* c, int ldc,
        out float* sliceA, out float* sliceB, out float* sliceC, out int sliceM, out int sliceN)
    {
        int side = byRows ? m : n;
        int units = GemmDriver.CeilDiv(side, unit);
        int from = Math.Min(side, units * part / parts * unit), to = Math.Min(side, units * (part + 1) / parts * unit);
        sliceA = a;
        sliceB = b;
        sliceC = c;
        sliceM = m;
        sliceN = n;
        if (to <= from)
        {
            return false;
        }
        if (byRows)
        {
            sliceA = transA ? a + from : a + (nint)from * lda;
            sliceC = c + (nint)from * ldc;
            sliceM = to - from;
        }
        else
        {
            sliceB = transB ? b + (nint)from * ldb : b + from;
            sliceC = c + from;
            sliceN = to - from;
        }
        return true;
    }
}
