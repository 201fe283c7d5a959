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
        double* partial = stackalloc double[Chunks];
        var a = new Args { G = grads.Ptr, N = grads.Length, Partial = partial };
        Par.ForEach(Chunks, threads, &a, &SumSquares);
        double total = 0;
        for (int c = 0; c < Chunks; c++)
        {
            total += partial[c];
        }
        return Math.Sqrt(total);
    }

    /// <summary>Scales the gradients so their norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double ClipGlobalNorm(NativeBuffer grads, double maxNorm, int threads)
    {
        double norm = GlobalNorm(grads, threads);
        if (maxNorm > 0 && norm > maxNorm && double.IsFinite(norm))
        {
            var a = new Args { G = grads.Ptr, N = grads.Length, Scale = (float)(maxNorm / (norm + 1e-6)) };
            Par.For(checked((int)Math.Min(grads.Length, int.MaxValue)), threads, &a, &ScaleRange);
        }
        return norm;
    }

    private struct Args
    {
        public float* G;
        public long N;
        public double* Partial;
        public float Scale;
    }

    // Chunk c of a fixed 64-way split, summed in double: the total does not depend on the thread count.
    private static void SumSquares(Args* a, int c)
    {
        long s = a->N * c / Chunks, e = a->N * (c + 1) / Chunks;
        double acc = 0;
        for (long i = s; i < e; i++)
        {
            acc += (double)a->G[i] * a->G[i];
        }
        a->Partial[c] = acc;
    }

    private static void ScaleRange(Args* a, int s, int e) =>
        System.Numerics.Tensors.TensorPrimitives.Multiply(new ReadOnlySpan<float>(a->G + s, e - s), a->Scale, new Span<float>(a->G + s, e - s));
}
