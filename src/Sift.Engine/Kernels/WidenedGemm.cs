using Sift.Engine.Model;
using Sift.Engine.Tensors;

namespace Sift.Engine.Kernels;

/// <summary>
/// y[n, out] (+)= x[n, in] · widen(W)ᵀ for W [out, in] resident in 16 bits and more rows than a GEMV takes
/// (prefill, batched scoring): panels of W's rows are widened to float32 (in parallel, into this thread's scratch
/// of about 4 MB) and multiplied by the float32 GEMM, so the wide copy never exceeds one panel.
/// </summary>
public static unsafe class WidenedGemm
{
    private const long PanelFloats = 1 << 20;

    [ThreadStatic] private static NativeBuffer? t_panel;

    /// <summary>The product; <paramref name="accumulate"/> adds to y.</summary>
    public static void Forward(Compute cx, float* y, float* x, ushort* w, WeightFormat format, int n, int inDim, int outDim, bool accumulate)
    {
        int panelRows = (int)Math.Min(outDim, Math.Max(16, PanelFloats / inDim / 16 * 16));
        float* panel = Scratch((long)panelRows * inDim);
        for (int o0 = 0; o0 < outDim; o0 += panelRows)
        {
            int p = Math.Min(panelRows, outDim - o0);
            var a = new Args { Src = w + (long)o0 * inDim, Dst = panel, In = inDim, Format = format };
            Par.For(p, (long)p * inDim < (1 << 16) ? 1 : cx.Threads, &a, &WidenRows);
            cx.Gemm.Sgemm(false, true, n, p, inDim, 1f, x, inDim, panel, inDim, accumulate ? 1f : 0f, y + o0, outDim);
        }
    }

    private struct Args
    {
        public ushort* Src;
        public float* Dst;
        public int In;
        public WeightFormat Format;
    }

    private static void WidenRows(Args* a, int s, int e) =>
        Widen.Row(a->Src + (long)s * a->In, a->Dst + (long)s * a->In, (long)(e - s) * a->In, a->Format);

    private static float* Scratch(long floats)
    {
        if (t_panel is null || t_panel.Length < floats)
        {
            t_panel?.Dispose();
            t_panel = new NativeBuffer(floats);
        }
        return t_panel.Ptr;
    }
}
