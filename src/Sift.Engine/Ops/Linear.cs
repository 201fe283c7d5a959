using Sift.Engine.Kernels;
using Sift.Engine.Model;

namespace Sift.Engine.Ops;

/// <summary>
/// A bias-free projection Y = X·Wᵀ with W stored [out, in] as Hugging Face does.
/// Backward: dX (+)= dY·W (GEMM NN); dW += dYᵀ·X (GEMM TN, K = rows).
/// </summary>
public static unsafe class Linear
{
    /// <summary>y[n,out] = x[n,in]·wᵀ (+ y when accumulate).</summary>
    public static void Forward(IGemm gemm, float* y, float* x, float* w, int n, int inDim, int outDim, bool accumulate = false) =>
        gemm.Sgemm(false, true, n, outDim, inDim, 1f, x, inDim, w, inDim, accumulate ? 1f : 0f, y, outDim);

    /// <summary>
    /// The same product, routed by row count: up to <see cref="Gemv.MaxRows"/> rows (a decode step) stream the
    /// weights once through <see cref="Gemv"/>; more rows go to the GEMM.
    /// </summary>
    public static void Forward(Compute cx, float* y, float* x, float* w, int n, int inDim, int outDim, bool accumulate = false)
    {
        if (n <= Gemv.MaxRows)
        {
            Gemv.Forward(y, x, w, n, inDim, outDim, accumulate, cx.Threads);
        }
        else
        {
            Forward(cx.Gemm, y, x, w, n, inDim, outDim, accumulate);
        }
    }

    /// <summary>
    /// The product with the weight at <paramref name="offset"/> of <paramref name="w"/> in its resident format: float32
    /// exactly as <see cref="Forward(Compute, float*, float*, float*, int, int, int, bool)"/>; 16-bit weights are
    /// widened inside <see cref="Gemv16"/> (up to <see cref="Gemv.MaxRows"/> rows) or <see cref="WidenedGemm"/>.
    /// </summary>
    public static void Forward(Compute cx, float* y, float* x, in WeightView w, long offset, int n, int inDim, int outDim, bool accumulate = false)
    {
        if (w.Format == WeightFormat.F32)
        {
            Forward(cx, y, x, w.F32 + offset, n, inDim, outDim, accumulate);
        }
        else if (n <= Gemv.MaxRows)
        {
            Gemv16.Forward(y, x, w.Half + offset, w.Format, n, inDim, outDim, accumulate, cx.Threads);
        }
        else
        {
            WidenedGemm.Forward(cx, y, x, w.Half + offset, w.Format, n, inDim, outDim, accumulate);
        }
    }

    /// <summary>dx[n,in] = dy·w (+ dx when accumulateDx); dw[out,in] += dyᵀ·x.</summary>
    public static void Backward(IGemm gemm, float* dx, float* dw, float* dy, float* x, float* w, int n, int inDim, int outDim, bool accumulateDx)
    {
        gemm.Sgemm(false, false, n, inDim, outDim, 1f, dy, outDim, w, inDim, accumulateDx ? 1f : 0f, dx, inDim);
        gemm.Sgemm(true, false, outDim, inDim, n, 1f, dy, outDim, x, inDim, 1f, dw, inDim);
    }
}
