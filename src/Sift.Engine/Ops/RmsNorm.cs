using Sift.Engine.Kernels;

namespace Sift.Engine.Ops;

/// <summary>
/// RMSNorm: y = w ⊙ x · r with r = (mean(x²) + eps)^(-1/2), per row.
/// Backward, with g = w ⊙ dy: dx += r·g − (r³/d)·x·Σ(g⊙x); dw += Σ_rows dy ⊙ x·r.
/// </summary>
public static unsafe class RmsNorm
{
    /// <summary>Fixed chunk count for the dw reduction: the sum order never depends on the thread count.</summary>
    public const int ReduceChunks = 16;

    /// <summary>y[n,d] = norm(x[n,d]) ⊙ w[d]; rstd[n] caches r for the backward.</summary>
    public static void Forward(float* y, float* rstd, float* x, float* w, int n, int d, float eps, int threads)
    {
        Par.For(n, threads, (s, e) =>
        {
            for (int i = s; i < e; i++)
            {
                float* xi = x + (long)i * d, yi = y + (long)i * d;
                double ss = 0;
                for (int j = 0; j < d; j++)
                {
                    ss += xi[j] * xi[j];
                }
                float r = (float)(1.0 / Math.Sqrt(ss / d + eps));
                rstd[i] = r;
                for (int j = 0; j < d; j++)
                {
                    yi[j] = w[j] * (xi[j] * r);
                }
            }
        });
    }

    /// <summary>Accumulates dx[n,d] and dw[d]. <paramref name="scratch"/> holds ReduceChunks·d floats.</summary>
    public static void Backward(float* dx, float* dw, float* dy, float* x, float* w, float* rstd, int n, int d, int threads, float* scratch)
    {
        new Span<float>(scratch, ReduceChunks * d).Clear();
        int chunks = Math.Min(ReduceChunks, Math.Max(1, n));
        Par.ForEach(chunks, threads, c =>
        {
            (int s, int e) = Par.ChunkRange(n, chunks, c);
            float* part = scratch + (long)c * d;
            for (int i = s; i < e; i++)
            {
                float* xi = x + (long)i * d, dyi = dy + (long)i * d, dxi = dx + (long)i * d;
                float r = rstd[i];
                double dot = 0;
                for (int j = 0; j < d; j++)
                {
                    dot += w[j] * dyi[j] * xi[j];
                }
                float coef = (float)(r * r * r * dot / d);
                for (int j = 0; j < d; j++)
                {
                    dxi[j] += r * w[j] * dyi[j] - coef * xi[j];
                    part[j] += dyi[j] * xi[j] * r;
                }
            }
        });
        for (int c = 0; c < chunks; c++)
        {
            Vec.Add(dw, scratch + (long)c * d, d);
        }
    }
}
