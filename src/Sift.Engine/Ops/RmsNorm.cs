using System.Runtime.Intrinsics;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Cpu;

namespace Sift.Engine.Ops;

/// <summary>
/// RMSNorm: y = w ⊙ x · r with r = (mean(x²) + eps)^(-1/2), per row.
/// Backward, with g = w ⊙ dy: dx += r·g − (r³/d)·x·Σ(g⊙x); dw += Σ_rows dy ⊙ x·r.
/// The forward's scale pass and the backward run 16 lanes (AVX-512) or 8 at a time with fixed-order float sums (the
/// forward's sum of squares is 8-lane at every width); the Reference methods are the scalar originals (double sums).
/// </summary>
public static unsafe class RmsNorm
{
    /// <summary>Fixed chunk count for the dw reduction: the sum order never depends on the thread count.</summary>
    public const int ReduceChunks = 16;

    /// <summary>y[n,d] = norm(x[n,d]) ⊙ w[d]; rstd[n] caches r for the backward.</summary>
    public static void Forward(float* y, float* rstd, float* x, float* w, int n, int d, float eps, int threads) =>
        Forward(y, rstd, x, w, n, d, eps, threads, SimdPath.Width);

    /// <summary>
    /// <see cref="Forward(float*, float*, float*, float*, int, int, float, int)"/> at a given width for the scale pass.
    /// The sum of squares stays 8-lane at every width on purpose: the forward (and so every logit) then has the same
    /// bits on AVX2 and AVX-512 machines; it is a d-element sum per row, too small to matter for speed.
    /// </summary>
    internal static void Forward(float* y, float* rstd, float* x, float* w, int n, int d, float eps, int threads, SimdWidth width)
    {
        var a = new Args { Y = y, Rstd = rstd, X = x, W = w, D = d, Eps = eps, Width = width };
        Par.For(n, threads, &a, &ForwardRows);
    }

    /// <summary>Accumulates dx[n,d] and dw[d]. <paramref name="scratch"/> holds ReduceChunks·d floats.</summary>
    public static void Backward(float* dx, float* dw, float* dy, float* x, float* w, float* rstd, int n, int d, int threads, float* scratch) =>
        Backward(dx, dw, dy, x, w, rstd, n, d, threads, scratch, SimdPath.Width);

    /// <summary>The same at a given width: 16 lanes at V512, else 8 (the 8-lane path is the original's bits).</summary>
    internal static void Backward(float* dx, float* dw, float* dy, float* x, float* w, float* rstd, int n, int d, int threads, float* scratch, SimdWidth width)
    {
        new Span<float>(scratch, ReduceChunks * d).Clear();
        int chunks = Math.Min(ReduceChunks, Math.Max(1, n));
        var a = new Args { Y = dx, Dy = dy, Rstd = rstd, X = x, W = w, D = d, N = n, Chunks = chunks, Scratch = scratch, Width = width };
        Par.ForEach(chunks, threads, &a, &BackwardChunk);
        for (int c = 0; c < chunks; c++)
        {
            Vec.Add(dw, scratch + (long)c * d, d);
        }
    }

    private struct Args
    {
        public float* Y, Dy, Rstd, X, W, Scratch;
        public int D, N, Chunks;
        public float Eps;
        public SimdWidth Width;
    }

    private static void ForwardRows(Args* a, int s, int e)
    {
        int d = a->D;
        float* w = a->W;
        for (int i = s; i < e; i++)
        {
            float* xi = a->X + (long)i * d, yi = a->Y + (long)i * d;
            float r = 1f / MathF.Sqrt(Vec.Dot(xi, xi, d) / d + a->Eps);
            a->Rstd[i] = r;
            var k = new ScaleKernel { X = xi, W = w, Y = yi, R = r };
            LaneLoop.Run(ref k, 0, d, a->Width);
        }
    }

    // y = w·(x·r): two roundings per element at every width, so every width gives the same bits.
    private struct ScaleKernel : ILaneKernel
    {
        public float* X, W, Y;
        public float R;

        public readonly void Run<L>(int j)
            where L : struct, ILanes<L>
        {
            L.Store(L.Mul(L.Load(W + j), L.Mul(L.Load(X + j), L.Splat(R))), Y + j);
        }
    }

    // One fixed chunk of rows: dx rows and this chunk's partial dw (summed in chunk order by the caller).
    private static void BackwardChunk(Args* a, int c)
    {
        int d = a->D;
        float* w = a->W;
        (int s, int e) = Par.ChunkRange(a->N, a->Chunks, c);
        float* part = a->Scratch + (long)c * d;
        for (int i = s; i < e; i++)
        {
            float* xi = a->X + (long)i * d, dyi = a->Dy + (long)i * d, dxi = a->Y + (long)i * d;
            float r = a->Rstd[i];
            if (a->Width == SimdWidth.V512)
            {
                BackwardRow<Lanes512>(dxi, part, dyi, xi, w, r, d);
            }
            else
            {
                BackwardRow<Lanes256>(dxi, part, dyi, xi, w, r, d);
            }
        }
    }

    // One row of the backward, 16 or 8 lanes then single elements: Σ_j w·dy·x with fused multiply-adds and a fixed
    // horizontal sum, then dx and this chunk's dw part.
    private static void BackwardRow<V>(float* dxi, float* part, float* dyi, float* xi, float* w, float r, int d)
        where V : struct, IFmaLanes<V>
    {
        var acc = V.Splat(0f);
        int j = 0;
        for (; j <= d - V.Count; j += V.Count)
        {
            acc = V.MulAdd(V.Mul(V.Load(w + j), V.Load(dyi + j)), V.Load(xi + j), acc);
        }
        float dot = V.Sum(acc);
        for (; j < d; j++)
        {
            dot += w[j] * dyi[j] * xi[j];
        }
        float coef = r * r * r * dot / d;
        var vr = V.Splat(r);
        var vc = V.Splat(coef);
        j = 0;
        for (; j <= d - V.Count; j += V.Count)
        {
            var dyv = V.Load(dyi + j);
            var xv = V.Load(xi + j);
            V.Store(V.Add(V.Load(dxi + j), V.Sub(V.Mul(V.Mul(vr, V.Load(w + j)), dyv), V.Mul(vc, xv))), dxi + j);
            V.Store(V.MulAdd(dyv, V.Mul(xv, vr), V.Load(part + j)), part + j);
        }
        for (; j < d; j++)
        {
            dxi[j] += r * w[j] * dyi[j] - coef * xi[j];
            part[j] += dyi[j] * (xi[j] * r);
        }
    }

    /// <summary>Scalar reference of <see cref="Forward"/> (double sums).</summary>
    public static void ForwardReference(float* y, float* rstd, float* x, float* w, int n, int d, float eps)
    {
        for (int i = 0; i < n; i++)
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
    }

    /// <summary>Scalar reference of <see cref="Backward"/>: accumulates dx[n,d] and dw[d].</summary>
    public static void BackwardReference(float* dx, float* dw, float* dy, float* x, float* w, float* rstd, int n, int d)
    {
        for (int i = 0; i < n; i++)
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
                dw[j] += dyi[j] * xi[j] * r;
            }
        }
    }
}
