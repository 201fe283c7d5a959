using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Model;
using Sift.Engine.Tensors;

namespace Sift.Engine.Optim;

/// <summary>AdamW settings (decoupled weight decay, as in Loshchilov &amp; Hutter and PyTorch's AdamW).</summary>
public sealed record AdamWOptions
{
    /// <summary>β₁.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>β₂.</summary>
    public float Beta2 { get; init; } = 0.95f;

    /// <summary>ε added to √v̂.</summary>
    public float Eps { get; init; } = 1e-8f;

    /// <summary>Decoupled weight decay coefficient (multiplied by the learning rate).</summary>
    public float WeightDecay { get; init; } = 0.1f;

    /// <summary>Apply weight decay to RMSNorm gains (usually not).</summary>
    public bool DecayNorms { get; init; }

    /// <summary>Apply weight decay to the embedding matrix (and a tied head).</summary>
    public bool DecayEmbeddings { get; init; }
}

/// <summary>
/// AdamW over the flat parameter buffer: the moments share the weights' layout, so the update is one loop
/// (llm.c style). Tensors excluded from decay are contiguous ranges of the layout.
/// </summary>
public sealed unsafe class AdamW : IDisposable
{
    private readonly (long Offset, long Length, bool Decay)[] _ranges;

    /// <summary>Creates zeroed moments for a model layout.</summary>
    public AdamW(ParameterLayout layout, AdamWOptions options)
    {
        Options = options;
        M = new NativeBuffer(layout.TotalLength);
        V = new NativeBuffer(layout.TotalLength);
        _ranges = layout.Tensors.Select(t => (t.Offset, t.Length, t.Kind switch
        {
            ParamKind.Norm => options.DecayNorms,
            ParamKind.Embedding => options.DecayEmbeddings,
            _ => true,
        })).ToArray();
    }

    /// <summary>The settings.</summary>
    public AdamWOptions Options { get; }

    /// <summary>First moment, same layout as the weights.</summary>
    public NativeBuffer M { get; }

    /// <summary>Second moment, same layout as the weights.</summary>
    public NativeBuffer V { get; }

    /// <summary>Number of updates applied so far (bias correction uses Step after increment).</summary>
    public long Step { get; set; }

    /// <summary>Applies one update: θ ← θ − lr·(m̂/(√v̂+ε) + wd·θ), with gradients already scaled/clipped.</summary>
    public void Update(NativeBuffer weights, NativeBuffer grads, float lr, int threads) =>
        Update(weights, grads, lr, threads, SimdPath.Width);

    /// <summary><see cref="Update(NativeBuffer, NativeBuffer, float, int)"/> at a given vector width (every width gives the same bits).</summary>
    internal void Update(NativeBuffer weights, NativeBuffer grads, float lr, int threads, SimdWidth width)
    {
        Step++;
        float b1 = Options.Beta1, b2 = Options.Beta2, eps = Options.Eps;
        float c1 = 1f / (1f - MathF.Pow(b1, Step)), c2 = 1f / (1f - MathF.Pow(b2, Step));
        float* w = weights.Ptr, g = grads.Ptr, m = M.Ptr, v = V.Ptr;
        foreach (var (offset, length, decay) in _ranges)
        {
            var a = new UpdateArgs
            {
                W = w + offset,
                G = g + offset,
                M = m + offset,
                V = v + offset,
                Lr = lr,
                B1 = b1,
                B2 = b2,
                Eps = eps,
                C1 = c1,
                C2 = c2,
                Wd = decay ? Options.WeightDecay : 0f,
                Width = width,
            };
            Par.For(checked((int)length), threads, &a, &UpdateRange);
        }
    }

    private struct UpdateArgs
    {
        public float* W, G, M, V;
        public float Lr, B1, B2, Eps, C1, C2, Wd;
        public SimdWidth Width;
    }

    // Element-wise with no fused multiply-add, so any split and any vector width give the same bits.
    private static void UpdateRange(UpdateArgs* a, int s, int e)
    {
        var k = new UpdateKernel { A = a };
        LaneLoop.Run(ref k, s, e, a->Width);
    }

    private struct UpdateKernel : ILaneKernel
    {
        public UpdateArgs* A;

        public readonly void Run<L>(int i)
            where L : struct, ILanes<L>
        {
            UpdateArgs* a = A;
            float* wp = a->W + i, mp = a->M + i, vp = a->V + i;
            L g = L.Load(a->G + i), w = L.Load(wp);
            L m = L.Add(L.Mul(L.Splat(a->B1), L.Load(mp)), L.Mul(L.Splat(1 - a->B1), g));
            L v = L.Add(L.Mul(L.Splat(a->B2), L.Load(vp)), L.Mul(L.Mul(L.Splat(1 - a->B2), g), g));
            L.Store(m, mp);
            L.Store(v, vp);
            L step = L.Add(L.Div(L.Mul(m, L.Splat(a->C1)), L.Add(L.Sqrt(L.Mul(v, L.Splat(a->C2))), L.Splat(a->Eps))),
                L.Mul(L.Splat(a->Wd), w));
            L.Store(L.Sub(w, L.Mul(L.Splat(a->Lr), step)), wp);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        M.Dispose();
        V.Dispose();
    }
}
