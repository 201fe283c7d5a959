using Sift.Engine.Kernels;
using Sift.Engine.Ops;
using Sift.Engine.Tensors;

namespace Sift.Engine.Model;

/// <summary>
/// Forward and backward of a <see cref="LlamaModel"/> for a fixed batch shape (B sequences of T tokens),
/// with every activation preallocated once (no allocation in the step loop).
/// Usage per micro-batch: <see cref="Forward"/> (fills <see cref="Losses"/>), choose per-token weights,
/// <see cref="Backward"/> (accumulates into <see cref="Grads"/>). <see cref="ZeroGrad"/> starts a new step.
/// Legend: n = B·T rows, d hidden, F intermediate, V vocab, H/Hkv heads, hd head dim, QKV = QDim + 2·KvDim.
/// </summary>
public sealed unsafe class TrainingGraph : IDisposable
{
    private readonly LlamaModel _m;
    private readonly Compute _cx;
    private readonly int _n, _d, _f, _v, _qkv, _qDim, _L;
    private readonly NativeBuffer _resid, _xn1, _rstd1, _qkvBuf, _probs, _attOut, _resMid, _xn2, _rstd2, _gateUp, _h;
    private readonly NativeBuffer _xnf, _rstdf, _logits;
    private readonly NativeBuffer _dRes, _dXn, _dH, _dGateUp, _dAtt, _dQkv, _normScratch;
    private readonly int[] _inputs, _targets;
    private bool _forwardDone;

    /// <summary>Allocates activations and gradients for batches of <paramref name="batch"/> × <paramref name="seqLen"/>.</summary>
    public TrainingGraph(LlamaModel model, int batch, int seqLen, Compute compute)
    {
        var c = model.Config;
        if (seqLen > c.MaxPositionEmbeddings)
        {
            throw new ArgumentOutOfRangeException(nameof(seqLen), $"sequence length {seqLen} exceeds max_position_embeddings {c.MaxPositionEmbeddings}");
        }
        _m = model;
        _cx = compute;
        Batch = batch;
        SeqLen = seqLen;
        _n = batch * seqLen;
        _d = c.HiddenSize;
        _f = c.IntermediateSize;
        _v = c.VocabSize;
        _qDim = c.QDim;
        _qkv = c.QDim + 2 * c.KvDim;
        _L = c.NumHiddenLayers;
        long n = _n, L = _L;
        _resid = new NativeBuffer((L + 1) * n * _d);
        _xn1 = new NativeBuffer(L * n * _d);
        _rstd1 = new NativeBuffer(L * n);
        _qkvBuf = new NativeBuffer(L * n * _qkv);
        _probs = new NativeBuffer(L * batch * c.NumAttentionHeads * (long)seqLen * seqLen);
        _attOut = new NativeBuffer(L * n * _qDim);
        _resMid = new NativeBuffer(L * n * _d);
        _xn2 = new NativeBuffer(L * n * _d);
        _rstd2 = new NativeBuffer(L * n);
        _gateUp = new NativeBuffer(L * n * 2 * _f);
        _h = new NativeBuffer(L * n * _f);
        _xnf = new NativeBuffer(n * _d);
        _rstdf = new NativeBuffer(n);
        _logits = new NativeBuffer(n * _v);
        _dRes = new NativeBuffer(n * _d);
        _dXn = new NativeBuffer(n * _d);
        _dH = new NativeBuffer(n * _f);
        _dGateUp = new NativeBuffer(n * 2 * _f);
        _dAtt = new NativeBuffer(n * _qDim);
        _dQkv = new NativeBuffer(n * _qkv);
        _normScratch = new NativeBuffer(RmsNorm.ReduceChunks * (long)_d);
        Grads = new NativeBuffer(model.Layout.TotalLength);
        Losses = new float[_n];
        _inputs = new int[_n];
        _targets = new int[_n];
    }

    /// <summary>When set, Forward and Backward add their time per op kind to it.</summary>
    public StepProfile? Profile { get; set; }

    /// <summary>Sequences per micro-batch.</summary>
    public int Batch { get; }

    /// <summary>Tokens per sequence.</summary>
    public int SeqLen { get; }

    /// <summary>Per-token losses of the last forward, −log p(target | prefix); 0 where the target is ignored.</summary>
    public float[] Losses { get; }

    /// <summary>Parameter gradients, same layout as the weights; Backward accumulates into them.</summary>
    public NativeBuffer Grads { get; }

    /// <summary>
    /// The logits [B·T, V] of the last forward with <c>forBackward: false</c> (a training forward turns them into
    /// probabilities in place); for checking other implementations of the loss against this one.
    /// </summary>
    public ReadOnlySpan<float> Logits => _logits.Slice(0, checked(_n * _v));

    /// <summary>Bytes of activation and gradient memory held (for reports).</summary>
    public long AllocatedBytes =>
        4 * (_resid.Length + _xn1.Length + _rstd1.Length + _qkvBuf.Length + _probs.Length + _attOut.Length + _resMid.Length
        + _xn2.Length + _rstd2.Length + _gateUp.Length + _h.Length + _xnf.Length + _rstdf.Length + _logits.Length + _dRes.Length
        + _dXn.Length + _dH.Length + _dGateUp.Length + _dAtt.Length + _dQkv.Length + Grads.Length);

    /// <summary>Sets every parameter gradient to zero.</summary>
    public void ZeroGrad() => Grads.Clear();

    /// <summary>
    /// Runs the model on inputs [B·T] and scores targets [B·T] (use <see cref="CrossEntropy.IgnoreIndex"/> for none).
    /// Positions restart at 0 in every sequence. Fills <see cref="Losses"/>. With <paramref name="forBackward"/>
    /// false (scoring, evaluation) the pass skips what only a backward needs (attention probabilities stay in a
    /// per-thread scratch, the loss does not turn logits into probabilities); the losses are the same.
    /// </summary>
    public void Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, bool forBackward = true)
    {
        if (inputs.Length != _n || targets.Length != _n)
        {
            throw new ArgumentException($"expected {_n} inputs and targets (batch {Batch} × seq {SeqLen}), got {inputs.Length} and {targets.Length}");
        }
        inputs.CopyTo(_inputs);
        targets.CopyTo(_targets);
        var c = _m.Config;
        var lay = _m.Layout;
        float* W = _m.Weights.Ptr;
        int th = _cx.Threads;
        var gemm = _cx.Gemm;
        long nd = (long)_n * _d;

        using (StepProfile.Time(Profile, StepOp.Other))
        {
            Embedding.Forward(_resid.Ptr, W + lay.Embedding, inputs, _v, _d);
        }
        for (int l = 0; l < _L; l++)
        {
            var o = lay.Layers[l];
            float* x = _resid.Ptr + l * nd;
            float* xn1 = _xn1.Ptr + l * nd, rstd1 = _rstd1.Ptr + (long)l * _n;
            float* qkv = _qkvBuf.Ptr + (long)l * _n * _qkv;
            float* probs = _probs.Ptr + (long)l * Batch * c.NumAttentionHeads * SeqLen * SeqLen;
            float* att = _attOut.Ptr + (long)l * _n * _qDim;
            float* mid = _resMid.Ptr + l * nd;
            float* xn2 = _xn2.Ptr + l * nd, rstd2 = _rstd2.Ptr + (long)l * _n;
            float* gu = _gateUp.Ptr + (long)l * _n * 2 * _f;
            float* h = _h.Ptr + (long)l * _n * _f;
            float* next = _resid.Ptr + (l + 1) * nd;

            using (StepProfile.Time(Profile, StepOp.Norm))
            {
                RmsNorm.Forward(xn1, rstd1, x, W + o.AttnNorm, _n, _d, c.RmsNormEps, th);
            }
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Linear.Forward(gemm, qkv, xn1, W + o.Qkv, _n, _d, _qkv);
            }
            using (StepProfile.Time(Profile, StepOp.Rope))
            {
                _m.Rope.ApplyQk(qkv, _n, SeqLen, _qkv, c.NumAttentionHeads, c.NumKeyValueHeads, inverse: false, th);
            }
            using (StepProfile.Time(Profile, StepOp.Attention))
            {
                Attention.Forward(att, forBackward ? probs : null, qkv, Batch, SeqLen, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, th);
            }
            using (StepProfile.Time(Profile, StepOp.Other))
            {
                Vec.Copy(mid, x, nd);
            }
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Linear.Forward(gemm, mid, att, W + o.O, _n, _qDim, _d, accumulate: true);
            }

            using (StepProfile.Time(Profile, StepOp.Norm))
            {
                RmsNorm.Forward(xn2, rstd2, mid, W + o.MlpNorm, _n, _d, c.RmsNormEps, th);
            }
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Linear.Forward(gemm, gu, xn2, W + o.GateUp, _n, _d, 2 * _f);
            }
            using (StepProfile.Time(Profile, StepOp.SwiGlu))
            {
                SwiGlu.Forward(h, gu, _n, _f, th);
            }
            using (StepProfile.Time(Profile, StepOp.Other))
            {
                Vec.Copy(next, mid, nd);
            }
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Linear.Forward(gemm, next, h, W + o.Down, _n, _f, _d, accumulate: true);
            }
        }
        using (StepProfile.Time(Profile, StepOp.Norm))
        {
            RmsNorm.Forward(_xnf.Ptr, _rstdf.Ptr, _resid.Ptr + _L * nd, W + lay.FinalNorm, _n, _d, c.RmsNormEps, th);
        }
        using (StepProfile.Time(Profile, StepOp.Gemm))
        {
            Linear.Forward(gemm, _logits.Ptr, _xnf.Ptr, W + lay.LmHead, _n, _d, _v);
        }
        fixed (float* lp = Losses)
        {
            using (StepProfile.Time(Profile, StepOp.Loss))
            {
                if (forBackward)
                {
                    CrossEntropy.Forward(lp, _logits.Ptr, targets, _n, _v, th);
                }
                else
                {
                    CrossEntropy.Losses(lp, _logits.Ptr, targets, _n, _v, th);
                }
            }
        }
        _forwardDone = forBackward;
    }

    /// <summary>
    /// Backpropagates Σ_i weights[i]·loss_i and accumulates parameter gradients into <see cref="Grads"/>.
    /// For a mean loss pass 1/count on counted positions; for selective training pass mask/k.
    /// Call once per Forward.
    /// </summary>
    public void Backward(ReadOnlySpan<float> weights)
    {
        if (!_forwardDone)
        {
            throw new InvalidOperationException("Backward needs a Forward with forBackward: true first (and only one Backward per Forward)");
        }
        if (weights.Length != _n)
        {
            throw new ArgumentException($"expected {_n} weights, got {weights.Length}", nameof(weights));
        }
        _forwardDone = false;
        var c = _m.Config;
        var lay = _m.Layout;
        float* W = _m.Weights.Ptr, G = Grads.Ptr;
        int th = _cx.Threads;
        var gemm = _cx.Gemm;
        long nd = (long)_n * _d;

        // Head: dlogits (in place over the probabilities), then into the final norm.
        using (StepProfile.Time(Profile, StepOp.Loss))
        {
            CrossEntropy.Backward(_logits.Ptr, weights, _targets, _n, _v, th);
        }
        using (StepProfile.Time(Profile, StepOp.Gemm))
        {
            Linear.Backward(gemm, _dXn.Ptr, G + lay.LmHead, _logits.Ptr, _xnf.Ptr, W + lay.LmHead, _n, _d, _v, accumulateDx: false);
        }
        using (StepProfile.Time(Profile, StepOp.Other))
        {
            _dRes.Clear();
        }
        using (StepProfile.Time(Profile, StepOp.Norm))
        {
            RmsNorm.Backward(_dRes.Ptr, G + lay.FinalNorm, _dXn.Ptr, _resid.Ptr + _L * nd, W + lay.FinalNorm, _rstdf.Ptr, _n, _d, th, _normScratch.Ptr);
        }

        for (int l = _L - 1; l >= 0; l--)
        {
            var o = lay.Layers[l];
            float* x = _resid.Ptr + l * nd;
            float* xn1 = _xn1.Ptr + l * nd, rstd1 = _rstd1.Ptr + (long)l * _n;
            float* qkv = _qkvBuf.Ptr + (long)l * _n * _qkv;
            float* probs = _probs.Ptr + (long)l * Batch * c.NumAttentionHeads * SeqLen * SeqLen;
            float* att = _attOut.Ptr + (long)l * _n * _qDim;
            float* mid = _resMid.Ptr + l * nd;
            float* xn2 = _xn2.Ptr + l * nd, rstd2 = _rstd2.Ptr + (long)l * _n;
            float* gu = _gateUp.Ptr + (long)l * _n * 2 * _f;
            float* h = _h.Ptr + (long)l * _n * _f;

            // MLP block: next = mid + down(swiglu(gateUp(norm(mid)))). _dRes holds d(next).
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Linear.Backward(gemm, _dH.Ptr, G + o.Down, _dRes.Ptr, h, W + o.Down, _n, _f, _d, accumulateDx: false);
            }
            using (StepProfile.Time(Profile, StepOp.SwiGlu))
            {
                SwiGlu.Backward(_dGateUp.Ptr, _dH.Ptr, gu, _n, _f, th);
            }
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Linear.Backward(gemm, _dXn.Ptr, G + o.GateUp, _dGateUp.Ptr, xn2, W + o.GateUp, _n, _d, 2 * _f, accumulateDx: false);
            }
            using (StepProfile.Time(Profile, StepOp.Norm))
            {
                RmsNorm.Backward(_dRes.Ptr, G + o.MlpNorm, _dXn.Ptr, mid, W + o.MlpNorm, rstd2, _n, _d, th, _normScratch.Ptr);
            }

            // Attention block: mid = x + o(attn(rope(qkv(norm(x))))). _dRes now holds d(mid).
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Linear.Backward(gemm, _dAtt.Ptr, G + o.O, _dRes.Ptr, att, W + o.O, _n, _qDim, _d, accumulateDx: false);
            }
            using (StepProfile.Time(Profile, StepOp.Attention))
            {
                Attention.Backward(_dQkv.Ptr, _dAtt.Ptr, probs, qkv, Batch, SeqLen, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, th);
            }
            using (StepProfile.Time(Profile, StepOp.Rope))
            {
                _m.Rope.ApplyQk(_dQkv.Ptr, _n, SeqLen, _qkv, c.NumAttentionHeads, c.NumKeyValueHeads, inverse: true, th);
            }
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Linear.Backward(gemm, _dXn.Ptr, G + o.Qkv, _dQkv.Ptr, xn1, W + o.Qkv, _n, _d, _qkv, accumulateDx: false);
            }
            using (StepProfile.Time(Profile, StepOp.Norm))
            {
                RmsNorm.Backward(_dRes.Ptr, G + o.AttnNorm, _dXn.Ptr, x, W + o.AttnNorm, rstd1, _n, _d, th, _normScratch.Ptr);
            }
        }
        using (StepProfile.Time(Profile, StepOp.Other))
        {
            Embedding.Backward(G + lay.Embedding, _dRes.Ptr, _inputs, _n, _d, th);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var b in new[] { _resid, _xn1, _rstd1, _qkvBuf, _probs, _attOut, _resMid, _xn2, _rstd2, _gateUp, _h, _xnf, _rstdf, _logits, _dRes, _dXn, _dH, _dGateUp, _dAtt, _dQkv, _normScratch, Grads })
        {
            b.Dispose();
        }
    }
}
