using Sift.Engine.Kernels;
using Sift.Engine.Ops;
using Sift.Engine.Tensors;

namespace Sift.Engine.Model;

/// <summary>
/// Forward and backward of a <see cref="LlamaModel"/> for a fixed batch shape (B sequences of T tokens),
/// with every activation preallocated once (no allocation in the step loop).
/// Usage per micro-batch: <see cref="Forward"/> (fills <see cref="Losses"/>), choose per-token weights,
/// <see cref="Backward"/> (accumulates into <see cref="Grads"/>). <see cref="ZeroGrad"/> starts a new step.
/// Any head: <see cref="ForwardHead"/> exposes the per-position head outputs (<see cref="HeadOutputs"/>: LM logits
/// or a score head's outputs) and <see cref="BackwardHead"/> backpropagates a caller's gradient of them.
/// Legend: n = B·T rows, d hidden, F intermediate, V vocab, W head width (V or num_labels), H/Hkv heads,
/// hd head dim, QKV = QDim + 2·KvDim.
/// </summary>
public sealed unsafe class TrainingGraph : IDisposable
{
    private readonly LlamaModel _m;
    private readonly Compute _cx;
    private readonly int _n, _d, _f, _v, _hw, _qkv, _qDim, _L;
    private readonly Rope _rope;
    private readonly int[] _windows;
    private readonly BufferArena _arena = new();

    // Per-layer stacks [L, ...] (the residual stream has L + 1 entries): what each layer's backward reads.
    private readonly NativeBuffer _resid, _xn1, _rstd1, _qkvBuf, _probs, _attOut, _resMid, _xn2, _rstd2, _gateUp, _h;

    // The head's activations and the backward's single-layer working buffers.
    private readonly NativeBuffer _xnf, _rstdf, _logits, _dRes, _dXn, _dH, _dGateUp, _dAtt, _dQkv, _normScratch, _vec;
    private readonly int[] _inputs, _targets, _positions;
    private bool _packed; // the last forward had per-document positions (the backward's RoPE reads them)
    private Pending _pending;

    // What the last forward left for a backward.
    private enum Pending
    {
        None,
        Loss,
        Head,
    }

    /// <summary>Allocates activations and gradients for batches of <paramref name="batch"/> × <paramref name="seqLen"/>.</summary>
    /// <remarks>
    /// With <paramref name="forwardOnly"/> (scoring, evaluation) the graph keeps one layer's activations and no
    /// gradients: forwards run with forBackward false, memory is a small fraction of a training graph's, and the
    /// model may be resident in 16 bits. Training (backward) needs float32 weights.
    /// </remarks>
    public TrainingGraph(LlamaModel model, int batch, int seqLen, Compute compute, bool forwardOnly = false)
    {
        var c = model.Config;
        if (model.Format != WeightFormat.F32 && !forwardOnly)
        {
            throw new InvalidOperationException($"training needs float32 weights but the model is resident in {model.Format.Name()}; a {model.Format.Name()} model runs forward-only graphs");
        }
        ForwardOnly = forwardOnly;
        if (seqLen > c.MaxSequenceLength)
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
        _hw = c.HeadWidth;
        _qDim = c.QDim;
        _qkv = c.QDim + 2 * c.KvDim;
        _L = c.NumHiddenLayers;
        _windows = [.. Enumerable.Range(0, _L).Select(l => c.AttentionWindow(l) ?? 0)];
        // Dynamic RoPE beyond max_position_embeddings: frequencies for this sequence length, as a full forward in transformers.
        if (seqLen > c.MaxPositionEmbeddings)
        {
            _rope = Rope.For(c, seqLen, seqLen);
        }
        else
        {
            _rope = model.Rope;
            _rope.EnsurePositions(seqLen);
        }
        long n = _n;
        // Forward-only: every layer reuses one layer's buffers and the residual stream alternates between two.
        long L = forwardOnly ? 1 : _L, R = forwardOnly ? 2 : _L + 1, B = forwardOnly ? 0 : 1;
        try
        {
            _resid = _arena.Add("resid", R * n * _d);
            _xn1 = _arena.Add("xn1", L * n * _d);
            _rstd1 = _arena.Add("rstd1", L * n);
            _qkvBuf = _arena.Add("qkv", L * n * _qkv);
            _probs = _arena.Add("probs", B * L * batch * c.NumAttentionHeads * (long)seqLen * seqLen);
            _attOut = _arena.Add("att", L * n * _qDim);
            _resMid = _arena.Add("mid", L * n * _d);
            _xn2 = _arena.Add("xn2", L * n * _d);
            _rstd2 = _arena.Add("rstd2", L * n);
            _gateUp = _arena.Add("gate_up", L * n * 2 * _f);
            _h = _arena.Add("h", L * n * _f);
            _xnf = _arena.Add("xn_final", n * _d);
            _rstdf = _arena.Add("rstd_final", n);
            _logits = _arena.Add("logits", n * _hw);
            _vec = _arena.Add("vectors", Math.Max(_d, _qkv));
            _dRes = _arena.Add("d_resid", n * _d * B);
            _dXn = _arena.Add("d_xn", n * _d * B);
            _dH = _arena.Add("d_h", n * _f * B);
            _dGateUp = _arena.Add("d_gate_up", n * 2 * _f * B);
            _dAtt = _arena.Add("d_att", n * _qDim * B);
            _dQkv = _arena.Add("d_qkv", n * _qkv * B);
            _normScratch = _arena.Add("norm_scratch", RmsNorm.ReduceChunks * (long)_d * B);
            Grads = _arena.Add("grads", model.Layout.TotalLength * B);
        }
        catch
        {
            _arena.Dispose();
            throw;
        }
        Losses = new float[_n];
        _inputs = new int[_n];
        _targets = new int[_n];
        _positions = new int[_n];
    }

    /// <summary>When set, Forward and Backward add their time per op kind to it.</summary>
    public StepProfile? Profile { get; set; }

    /// <summary>True for a graph that only runs forwards (no gradients, one layer of activations).</summary>
    public bool ForwardOnly { get; }

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
    public long AllocatedBytes => _arena.Bytes;

    /// <summary>Each buffer's name and bytes (for reports).</summary>
    public IReadOnlyList<(string Name, long Bytes)> AllocationBreakdown => _arena.Breakdown;

    /// <summary>
    /// Per-position head outputs [B·T, W] of the last <see cref="ForwardHead"/> (or of a <see cref="Forward"/> with
    /// forBackward false): LM logits, or a score head's outputs.
    /// </summary>
    public ReadOnlySpan<float> HeadOutputs => new(_logits.Ptr, checked(_n * _hw));

    /// <summary>Sets every parameter gradient to zero.</summary>
    public void ZeroGrad() => Grads.Clear();

    /// <summary>
    /// Runs the model on inputs [B·T] and scores targets [B·T] (use <see cref="CrossEntropy.IgnoreIndex"/> for none).
    /// Positions restart at 0 in every sequence. Fills <see cref="Losses"/>. With <paramref name="forBackward"/>
    /// false (scoring, evaluation) the pass skips what only a backward needs (attention probabilities stay in a
    /// per-thread scratch, the loss does not turn logits into probabilities); the losses are the same.
    /// <paramref name="positions"/> [B·T] packs several documents per row: each document's positions run 0, 1, 2, ...
    /// from its first token, and a token attends only to earlier tokens of its own document, so every document's
    /// losses and gradients equal those of the document run alone (see <see cref="CheckPositions"/>).
    /// </summary>
    public void Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, bool forBackward = true, ReadOnlySpan<int> positions = default)
    {
        _m.Config.RequireCausalLm("a next-token loss");
        if (inputs.Length != _n || targets.Length != _n)
        {
            throw new ArgumentException($"expected {_n} inputs and targets (batch {Batch} × seq {SeqLen}), got {inputs.Length} and {targets.Length}");
        }
        targets.CopyTo(_targets);
        ForwardTrunk(inputs, forBackward, positions);
        fixed (float* lp = Losses)
        {
            using (StepProfile.Time(Profile, StepOp.Loss))
            {
                if (forBackward)
                {
                    CrossEntropy.Forward(lp, _logits.Ptr, targets, _n, _v, _cx.Threads);
                }
                else
                {
                    CrossEntropy.Losses(lp, _logits.Ptr, targets, _n, _v, _cx.Threads);
                }
            }
        }
        _pending = forBackward ? Pending.Loss : Pending.None;
    }

    /// <summary>
    /// Runs the model on inputs [B·T] and leaves the head's outputs per position in <see cref="HeadOutputs"/>
    /// (LM logits, or a score head's outputs, which a reward model reads at the last non-pad token). With
    /// <paramref name="forBackward"/> a <see cref="BackwardHead"/> may follow.
    /// </summary>
    public void ForwardHead(ReadOnlySpan<int> inputs, bool forBackward = true, ReadOnlySpan<int> positions = default)
    {
        if (inputs.Length != _n)
        {
            throw new ArgumentException($"expected {_n} inputs (batch {Batch} × seq {SeqLen}), got {inputs.Length}");
        }
        ForwardTrunk(inputs, forBackward, positions);
        _pending = forBackward ? Pending.Head : Pending.None;
    }

    // Embedding, decoder layers, final norm and the head GEMM into _logits [n, W].
    private void ForwardTrunk(ReadOnlySpan<int> inputs, bool forBackward, ReadOnlySpan<int> positions)
    {
        if (forBackward && ForwardOnly)
        {
            throw new InvalidOperationException("this graph is forward-only: call Forward/ForwardHead with forBackward: false");
        }
        _pending = Pending.None;
        _packed = !positions.IsEmpty;
        if (_packed)
        {
            CheckPositions(positions, Batch, SeqLen);
            positions.CopyTo(_positions);
        }
        inputs.CopyTo(_inputs);
        fixed (int* pos = _positions)
        {
            ForwardLayers(inputs, forBackward, _packed ? pos : null);
        }
    }

    /// <summary>
    /// Checks packed positions [B·T]: every row starts at 0 and each position is either 0 (a new document) or the
    /// previous one + 1, so the documents of a row are contiguous and token i's document starts at i − positions[i].
    /// </summary>
    public static void CheckPositions(ReadOnlySpan<int> positions, int batch, int seqLen)
    {
        if (positions.Length != batch * seqLen)
        {
            throw new ArgumentException($"expected {batch * seqLen} positions (batch {batch} × seq {seqLen}), got {positions.Length}", nameof(positions));
        }
        for (int r = 0; r < positions.Length; r++)
        {
            int p = positions[r];
            bool ok = r % seqLen == 0 ? p == 0 : p == 0 || p == positions[r - 1] + 1;
            if (!ok)
            {
                throw new ArgumentException($"positions[{r}] = {p}: each row starts at 0 and each position is 0 (a new document) or the previous + 1", nameof(positions));
            }
        }
    }

    private void ForwardLayers(ReadOnlySpan<int> inputs, bool forBackward, int* pos)
    {
        var c = _m.Config;
        var lay = _m.Layout;
        var W = _m.View;
        float* vec = _vec.Ptr;
        int th = _cx.Threads;
        long nd = (long)_n * _d;

        using (StepProfile.Time(Profile, StepOp.Other))
        {
            Embedding.Forward(_resid.Ptr, W, lay.Embedding, inputs, _v, _d);
        }
        for (int l = 0; l < _L; l++)
        {
            var o = lay.Layers[l];
            var a = Layer(l);
            float* x = a.X, xn1 = a.Xn1, rstd1 = a.Rstd1, qkv = a.Qkv, probs = a.Probs, att = a.Att;
            float* mid = a.Mid, xn2 = a.Xn2, rstd2 = a.Rstd2, gu = a.GateUp, h = a.H, next = a.Next;

            using (StepProfile.Time(Profile, StepOp.Norm))
            {
                RmsNorm.Forward(xn1, rstd1, x, W.Floats(o.AttnNorm, _d, vec), _n, _d, c.RmsNormEps, th);
            }
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Project(qkv, xn1, o.Qkv, _d, _qkv);
            }
            if (o.HasQkvBias)
            {
                using (StepProfile.Time(Profile, StepOp.Other))
                {
                    Bias.Forward(qkv, W.Floats(o.QkvBias, _qkv, vec), _n, _qkv, th);
                }
            }
            using (StepProfile.Time(Profile, StepOp.Rope))
            {
                _rope.ApplyQk(qkv, _n, SeqLen, _qkv, c.NumAttentionHeads, c.NumKeyValueHeads, inverse: false, th, pos);
            }
            using (StepProfile.Time(Profile, StepOp.Attention))
            {
                Attention.Forward(att, forBackward ? probs : null, qkv, Batch, SeqLen, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, th, _windows[l], pos, _cx.Bf16Attention);
            }
            using (StepProfile.Time(Profile, StepOp.Other))
            {
                Vec.Copy(mid, x, nd);
            }
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Project(mid, att, o.O, _qDim, _d, accumulate: true);
            }

            using (StepProfile.Time(Profile, StepOp.Norm))
            {
                RmsNorm.Forward(xn2, rstd2, mid, W.Floats(o.MlpNorm, _d, vec), _n, _d, c.RmsNormEps, th);
            }
            using (StepProfile.Time(Profile, StepOp.Gemm))
            {
                Project(gu, xn2, o.GateUp, _d, 2 * _f);
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
                Project(next, h, o.Down, _f, _d, accumulate: true);
            }
        }
        using (StepProfile.Time(Profile, StepOp.Norm))
        {
            RmsNorm.Forward(_xnf.Ptr, _rstdf.Ptr, Resid(_L), W.Floats(lay.FinalNorm, _d, vec), _n, _d, c.RmsNormEps, th);
        }
        using (StepProfile.Time(Profile, StepOp.Gemm))
        {
            Project(_logits.Ptr, _xnf.Ptr, lay.Head, _d, _hw);
        }
    }

    // y (+)= x·Wᵀ over the n rows for the weight at offset: the float32 GEMM as always, 16-bit weights widened.
    private void Project(float* y, float* x, long offset, int inDim, int outDim, bool accumulate = false)
    {
        var w = _m.View;
        if (w.Format == WeightFormat.F32)
        {
            Linear.Forward(_cx.Gemm, y, x, w.F32 + offset, _n, inDim, outDim, accumulate);
        }
        else
        {
            Linear.Forward(_cx, y, x, w, offset, _n, inDim, outDim, accumulate);
        }
    }

    /// <summary>
    /// Backpropagates Σ_i weights[i]·loss_i and accumulates parameter gradients into <see cref="Grads"/>.
    /// For a mean loss pass 1/count on counted positions; for selective training pass mask/k.
    /// Call once per Forward.
    /// </summary>
    public void Backward(ReadOnlySpan<float> weights)
    {
        if (_pending != Pending.Loss)
        {
            throw new InvalidOperationException("Backward needs a Forward with forBackward: true first (and only one Backward per Forward)");
        }
        if (weights.Length != _n)
        {
            throw new ArgumentException($"expected {_n} weights, got {weights.Length}", nameof(weights));
        }
        _pending = Pending.None;
        // dlogits in place over the probabilities.
        using (StepProfile.Time(Profile, StepOp.Loss))
        {
            CrossEntropy.Backward(_logits.Ptr, weights, _targets, _n, _v, _cx.Threads);
        }
        BackwardTrunk();
    }

    /// <summary>
    /// Backpropagates a caller's gradient of the head outputs, <paramref name="dOutputs"/> [B·T, W] (e.g. nonzero
    /// only at each sequence's scored position), and accumulates into <see cref="Grads"/>. Call once per
    /// <see cref="ForwardHead"/>.
    /// </summary>
    public void BackwardHead(ReadOnlySpan<float> dOutputs)
    {
        if (_pending != Pending.Head)
        {
            throw new InvalidOperationException("BackwardHead needs a ForwardHead with forBackward: true first (and only one BackwardHead per ForwardHead)");
        }
        if (dOutputs.Length != (long)_n * _hw)
        {
            throw new ArgumentException($"expected {(long)_n * _hw} output gradients ({_n} positions × {_hw}), got {dOutputs.Length}", nameof(dOutputs));
        }
        _pending = Pending.None;
        dOutputs.CopyTo(new Span<float>(_logits.Ptr, dOutputs.Length));
        BackwardTrunk();
    }

    // From d(head outputs) in _logits back to the embedding.
    private void BackwardTrunk()
    {
        var c = _m.Config;
        var lay = _m.Layout;
        float* W = _m.Weights.Ptr, G = Grads.Ptr;
        int th = _cx.Threads;
        var gemm = _cx.Gemm;
        long nd = (long)_n * _d;

        using (StepProfile.Time(Profile, StepOp.Gemm))
        {
            Linear.Backward(_cx.Gemm, _dXn.Ptr, G + lay.Head, _logits.Ptr, _xnf.Ptr, W + lay.Head, _n, _d, _hw, accumulateDx: false);
        }
        using (StepProfile.Time(Profile, StepOp.Other))
        {
            _dRes.Clear();
        }
        using (StepProfile.Time(Profile, StepOp.Norm))
        {
            RmsNorm.Backward(_dRes.Ptr, G + lay.FinalNorm, _dXn.Ptr, Resid(_L), W + lay.FinalNorm, _rstdf.Ptr, _n, _d, th, _normScratch.Ptr);
        }

        for (int l = _L - 1; l >= 0; l--)
        {
            var o = lay.Layers[l];
            var a = Layer(l);
            float* x = a.X, xn1 = a.Xn1, rstd1 = a.Rstd1, qkv = a.Qkv, probs = a.Probs, att = a.Att;
            float* mid = a.Mid, xn2 = a.Xn2, rstd2 = a.Rstd2, gu = a.GateUp, h = a.H;

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
                Attention.Backward(_dQkv.Ptr, _dAtt.Ptr, probs, qkv, Batch, SeqLen, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, th, _cx.Bf16Attention);
            }
            using (StepProfile.Time(Profile, StepOp.Rope))
            {
                fixed (int* pos = _positions)
                {
                    _rope.ApplyQk(_dQkv.Ptr, _n, SeqLen, _qkv, c.NumAttentionHeads, c.NumKeyValueHeads, inverse: true, th, _packed ? pos : null);
                }
            }
            if (o.HasQkvBias)
            {
                using (StepProfile.Time(Profile, StepOp.Other))
                {
                    Bias.Backward(G + o.QkvBias, _dQkv.Ptr, _n, _qkv, th);
                }
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

    /// <summary>Layer <paramref name="l"/>'s slices of the per-layer stacks (one place for the offsets).</summary>
    private LayerActivations Layer(int layer)
    {
        long n = _n, nd = n * _d, l = ForwardOnly ? 0 : layer;
        return new LayerActivations
        {
            X = Resid(layer),
            Xn1 = _xn1.Ptr + l * nd,
            Rstd1 = _rstd1.Ptr + l * n,
            Qkv = _qkvBuf.Ptr + l * n * _qkv,
            Probs = _probs.Ptr + (long)l * Batch * _m.Config.NumAttentionHeads * SeqLen * SeqLen,
            Att = _attOut.Ptr + l * n * _qDim,
            Mid = _resMid.Ptr + l * nd,
            Xn2 = _xn2.Ptr + l * nd,
            Rstd2 = _rstd2.Ptr + l * n,
            GateUp = _gateUp.Ptr + l * n * 2 * _f,
            H = _h.Ptr + l * n * _f,
            Next = Resid(layer + 1),
        };
    }

    // The residual stream entering layer i (i = L: the final norm's input); two alternating slots when forward-only.
    private float* Resid(int i) => _resid.Ptr + (ForwardOnly ? i % 2 : i) * (long)_n * _d;

    private readonly struct LayerActivations
    {
        public float* X { get; init; }
        public float* Xn1 { get; init; }
        public float* Rstd1 { get; init; }
        public float* Qkv { get; init; }
        public float* Probs { get; init; }
        public float* Att { get; init; }
        public float* Mid { get; init; }
        public float* Xn2 { get; init; }
        public float* Rstd2 { get; init; }
        public float* GateUp { get; init; }
        public float* H { get; init; }
        public float* Next { get; init; }
    }

    /// <inheritdoc />
    public void Dispose() => _arena.Dispose();
}
