using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Cpu;

namespace Sift.Engine.Ops;

/// <summary>
/// SwiGLU gate: h = silu(a) ⊙ b where a, b are the two halves of each gateUp row [a(F) | b(F)].
/// Backward: da = dh ⊙ b ⊙ silu'(a), db = dh ⊙ silu(a), silu'(a) = σ(a)·(1 + a·(1 − σ(a))).
/// The kernel bodies are written once over <see cref="ILanes{TSelf}"/> and run 16, 8 or 1 lanes at a time
/// (<see cref="SimdPath"/>); the Reference methods are the scalar originals.
/// </summary>
public static unsafe class SwiGlu
{
    /// <summary>h[n,F] = silu(gateUp[:, :F]) ⊙ gateUp[:, F:].</summary>
    public static void Forward(float* h, float* gateUp, int n, int f, int threads) =>
        Forward(h, gateUp, n, f, threads, SimdPath.Width);

    /// <summary>Writes (overwrites) dGateUp[n,2F] from dh[n,F].</summary>
    public static void Backward(float* dGateUp, float* dh, float* gateUp, int n, int f, int threads) =>
        Backward(dGateUp, dh, gateUp, n, f, threads, SimdPath.Width);

    /// <summary><see cref="Forward(float*, float*, int, int, int)"/> at a given vector width (tests run each).</summary>
    internal static void Forward(float* h, float* gateUp, int n, int f, int threads, SimdWidth width)
    {
        var a = new Args { H = h, GateUp = gateUp, F = f, Width = width };
        Par.For(n, threads, &a, &ForwardRows);
    }

    /// <summary><see cref="Backward(float*, float*, float*, int, int, int)"/> at a given vector width.</summary>
    internal static void Backward(float* dGateUp, float* dh, float* gateUp, int n, int f, int threads, SimdWidth width)
    {
        var a = new Args { H = dh, GateUp = gateUp, DGateUp = dGateUp, F = f, Width = width };
        Par.For(n, threads, &a, &BackwardRows);
    }

    private struct Args
    {
        public float* H, GateUp, DGateUp;
        public int F;
        public SimdWidth Width;
    }

    private static void ForwardRows(Args* p, int s, int e)
    {
        int f = p->F;
        for (int i = s; i < e; i++)
        {
            float* a = p->GateUp + (long)i * 2 * f;
            var k = new ForwardKernel { A = a, B = a + f, H = p->H + (long)i * f };
            LaneLoop.Run(ref k, 0, f, p->Width);
        }
    }

    private static void BackwardRows(Args* p, int s, int e)
    {
        int f = p->F;
        for (int i = s; i < e; i++)
        {
            float* a = p->GateUp + (long)i * 2 * f, da = p->DGateUp + (long)i * 2 * f;
            var k = new BackwardKernel { A = a, B = a + f, Dh = p->H + (long)i * f, Da = da, Db = da + f };
            LaneLoop.Run(ref k, 0, f, p->Width);
        }
    }

    private struct ForwardKernel : ILaneKernel
    {
        public float* A, B, H;

        public readonly void Run<V>(int j)
            where V : struct, ILanes<V>
        {
            V x = V.Load(A + j);
            V sig = V.Div(V.Splat(1f), V.Add(V.Splat(1f), V.Exp(V.Neg(x))));
            V.Store(V.Mul(V.Mul(x, sig), V.Load(B + j)), H + j);
        }
    }

    private struct BackwardKernel : ILaneKernel
    {
        public float* A, B, Dh, Da, Db;

        public readonly void Run<V>(int j)
            where V : struct, ILanes<V>
        {
            V one = V.Splat(1f);
            V x = V.Load(A + j), g = V.Load(Dh + j);
            V sig = V.Div(one, V.Add(one, V.Exp(V.Neg(x))));
            V.Store(V.Mul(V.Mul(V.Mul(g, V.Load(B + j)), sig), V.Add(one, V.Mul(x, V.Sub(one, sig)))), Da + j);
            V.Store(V.Mul(g, V.Mul(x, sig)), Db + j);
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
