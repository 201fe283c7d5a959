using Sift.Engine.Kernels;
using Sift.Engine.Tensors;

namespace Sift.Engine.Optim;

/// <summary>Global L2 norm of the gradients and norm clipping (deterministic: fixed chunking, double sums).</summary>
public static unsafe class GradientClipping
{
    private const int Chunks = 64;

    /// <summary>‖g‖₂ over the whole buffer.</summary>
    public static double GlobalNorm(NativeBuffer grads, int threads)
    {
        long n = grads.Length;
        var partial = new double[Chunks];
        float* g = grads.Ptr;
        Par.ForEach(Chunks, threads, c =>
        {
            long s = n * c / Chunks, e = n * (c + 1) / Chunks;
            double acc = 0;
            for (long i = s; i < e; i++)
            {
                acc += (double)g[i] * g[i];
            }
            partial[c] = acc;
        });
        double total = 0;
        foreach (double p in partial)
        {
            total += p;
        }
        return Math.Sqrt(total);
    }

    /// <summary>Scales the gradients so their norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double ClipGlobalNorm(NativeBuffer grads, double maxNorm, int threads)
    {
        double norm = GlobalNorm(grads, threads);
        if (maxNorm > 0 && norm > maxNorm && double.IsFinite(norm))
        {
            float scale = (float)(maxNorm / (norm + 1e-6));
            float* g = grads.Ptr;
            long n = grads.Length;
            Par.For(checked((int)Math.Min(n, int.MaxValue)), threads, (s, e) =>
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(new ReadOnlySpan<float>(g + s, e - s), scale, new Span<float>(g + s, e - s));
            });
        }
        return norm;
    }
}
