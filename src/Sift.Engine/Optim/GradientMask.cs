using Sift.Engine.Kernels;
using Sift.Engine.Model;
using Sift.Engine.Tensors;

namespace Sift.Engine.Optim;

/// <summary>Gradient-mask tuning settings.</summary>
public sealed record GradientMaskOptions
{
    /// <summary>Share of each tensor's gradient entries (smallest |g| first) set to zero per step, in [0, 1); 0 = off.</summary>
    public double Percentile { get; init; }

    /// <summary>"constant" (the percentile every step) or "linear" (from 0 at the first step to the percentile at the last).</summary>
    public string Schedule { get; init; } = "constant";

    /// <summary>The percentile at step <paramref name="step"/> (0-based) of <paramref name="maxSteps"/>.</summary>
    public double At(long step, long maxSteps) => Schedule switch
    {
        "linear" => Percentile * Math.Min(1.0, (step + 1) / (double)Math.Max(1, maxSteps)),
        _ => Percentile,
    };
}

/// <summary>
/// Gradient-Mask Tuning (GMT): after the step's gradients are accumulated, each parameter tensor's entries whose
/// magnitude is below that tensor's p-th percentile of |g| are set to zero, so the optimizer moves only the entries
/// with large gradients. Per tensor (as the paper), with an exact percentile (selection, not sorting).
/// </summary>
public sealed unsafe class GradientMask
{
    private readonly ParamTensor[] _tensors;

    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>Masks over the tensors of <paramref name="layout"/>.</summary>
    public GradientMask(ParameterLayout layout) => _tensors = [.. layout.Tensors];

    /// <summary>
    /// Zeroes, in every tensor, the entries with |g| below the tensor's threshold: the k-th smallest |g| with
    /// k = ⌊p·n⌋ (so at least k entries are zeroed; ties at the threshold are kept). Returns the number zeroed.
    /// </summary>
    public long Apply(NativeBuffer grads, double percentile, int threads)
    {
        if (percentile <= 0)
        {
            return 0;
        }
        var zeroed = new long[_tensors.Length];
        float* g0 = grads.Ptr;
        var tensors = _tensors;
        Par.ForEach(tensors.Length, threads, i => zeroed[i] = MaskTensor(new Span<float>(g0 + tensors[i].Offset, checked((int)tensors[i].Length)), percentile));
        return zeroed.Sum();
    }

    /// <summary>Masks one tensor's gradient in place; returns how many entries it zeroed.</summary>
    public static long MaskTensor(Span<float> g, double percentile)
    {
        int n = g.Length, k = (int)Math.Floor(percentile * n);
        if (k <= 0)
        {
            return 0;
        }
        if (t_scratch is null || t_scratch.Length < n)
        {
            t_scratch = new float[n];
        }
        var a = t_scratch.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            a[i] = MathF.Abs(g[i]);
        }
        float threshold = k >= n ? float.PositiveInfinity : Select(a, k);
        long zeroed = 0;
        for (int i = 0; i < n; i++)
        {
            if (MathF.Abs(g[i]) < threshold)
            {
                g[i] = 0;
                zeroed++;
            }
        }
        return zeroed;
    }

    /// <summary>The k-th smallest value (0-based) of <paramref name="a"/>, reordering it (Hoare quickselect, median-of-three).</summary>
    internal static float Select(Span<float> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        while (lo < hi)
        {
            int mid = lo + ((hi - lo) / 2);
            float x = a[lo], y = a[mid], z = a[hi];
            float pivot = Math.Max(Math.Min(x, y), Math.Min(Math.Max(x, y), z));
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot)
                {
                    i++;
                }
                while (a[j] > pivot)
                {
                    j--;
                }
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                return a[k];
            }
        }
        return a[k];
    }
}
