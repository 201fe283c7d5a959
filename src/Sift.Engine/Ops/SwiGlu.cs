using System.Runtime.Intrinsics;
using Sift.Engine.Kernels;

namespace Sift.Engine.Ops;

/// <summary>
/// SwiGLU gate: h = silu(a) ⊙ b where a, b are the two halves of each gateUp row [a(F) | b(F)].
/// Backward: da = dh ⊙ b ⊙ silu'(a), db = dh ⊙ silu(a), silu'(a) = σ(a)·(1 + a·(1 − σ(a))).
/// The kernels run 8 lanes at a time (Vector256.Exp); the Reference methods are the scalar originals.
/// </summary>
public static unsafe class SwiGlu
{
    /// <summary>h[n,F] = silu(gateUp[:, :F]) ⊙ gateUp[:, F:].</summary>
    public static void Forward(float* h, float* gateUp, int n, int f, int threads)
    {
        var a = new Args { H = h, GateUp = gateUp, F = f };
        Par.For(n, threads, &a, &ForwardRows);
    }

    /// <summary>Writes (overwrites) dGateUp[n,2F] from dh[n,F].</summary>
    public static void Backward(float* dGateUp, float* dh, float* gateUp, int n, int f, int threads)
    {
        var a = new Args { H = dh, GateUp = gateUp, DGateUp = dGateUp, F = f };
        Par.For(n, threads, &a, &BackwardRows);
    }

    private struct Args
    {
        public float* H, GateUp, DGateUp;
        public int F;
    }

    private static void ForwardRows(Args* p, int s, int e)
    {
        int f = p->F;
        for (int i = s; i < e; i++)
        {
            float* a = p->GateUp + (long)i * 2 * f, b = a + f, hi = p->H + (long)i * f;
            int j = 0;
            for (; j <= f - 8; j += 8)
            {
                var x = Vector256.Load(a + j);
                var sig = Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));
                Vector256.Store(x * sig * Vector256.Load(b + j), hi + j);
            }
            for (; j < f; j++)
            {
                float x = a[j];
                hi[j] = x * (1f / (1f + MathF.Exp(-x))) * b[j];
            }
        }
    }

    private static void BackwardRows(Args* p, int s, int e)
    {
        int f = p->F;
        var one = Vector256<float>.One;
        for (int i = s; i < e; i++)
        {
            float* a = p->GateUp + (long)i * 2 * f, b = a + f, dhi = p->H + (long)i * f;
            float* da = p->DGateUp + (long)i * 2 * f, db = da + f;
            int j = 0;
            for (; j <= f - 8; j += 8)
            {
                var x = Vector256.Load(a + j);
                var g = Vector256.Load(dhi + j);
                var sig = one / (one + Vector256.Exp(-x));
                Vector256.Store(g * Vector256.Load(b + j) * sig * (one + x * (one - sig)), da + j);
                Vector256.Store(g * (x * sig), db + j);
            }
            for (; j < f; j++)
            {
                float x = a[j];
                float sig = 1f / (1f + MathF.Exp(-x));
                da[j] = dhi[j] * b[j] * sig * (1f + x * (1f - sig));
                db[j] = dhi[j] * (x * sig);
            }
        }
    }

    /// <summary>Scalar reference of <see cref="Forward"/>.</summary>
    public static void ForwardReference(float* h, float* gateUp, int n, int f)
    {
        for (int i = 0; i < n; i++)
        {
            float* a = gateUp + (long)i * 2 * f, b = a + f, hi = h + (long)i * f;
            for (int j = 0; j < f; j++)
            {
                float x = a[j];
                hi[j] = x / (1f + MathF.Exp(-x)) * b[j];
            }
        }
    }

    /// <summary>Scalar reference of <see cref="Backward"/>.</summary>
    public static void BackwardReference(float* dGateUp, float* dh, float* gateUp, int n, int f)
    {
        for (int i = 0; i < n; i++)
        {
            float* a = gateUp + (long)i * 2 * f, b = a + f, dhi = dh + (long)i * f;
            float* da = dGateUp + (long)i * 2 * f, db = da + f;
            for (int j = 0; j < f; j++)
            {
                float x = a[j];
                float sig = 1f / (1f + MathF.Exp(-x));
                float silu = x * sig;
                da[j] = dhi[j] * b[j] * sig * (1f + x * (1f - sig));
                db[j] = dhi[j] * silu;
            }
        }
    }
}
