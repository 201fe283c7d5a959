using Sift.Engine.Kernels;
using Sift.Engine.Model;
using Sift.Engine.Ops;
using Sift.Engine.Tensors;

namespace Sift.Engine.Inference;

/// <summary>Receives the logits [V] after token <paramref name="index"/> of a prefill.</summary>
public delegate void RowLogitsHandler(int index, ReadOnlySpan<float> logits);

/// <summary>
/// Forward-only execution with a key/value cache for up to <see cref="MaxSequences"/> sequences.
/// Every call processes a ragged set of rows (sequence, position, token): a prompt prefill is many rows of
/// one sequence, a batched decode step is one row per sequence. Attention of a row reads the cache of its
/// own sequence up to and including its position.
/// Shapes: kCache/vCache [L, S, maxLen, KvDim]; row buffers [R, ·] with R ≤ MaxRows.
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly LlamaModel _m;
    private readonly Compute _cx;
    private readonly int _d, _f, _v, _qkv, _qDim, _kvDim, _L;
    private readonly BufferArena _arena = new();
    private readonly NativeBuffer _kCache, _vCache;
    private readonly NativeBuffer _x, _xn, _qkvBuf, _att, _gu, _h, _rstd, _logits, _scores;
    private readonly int[] _lengths;

    /// <summary>Creates a session; memory is allocated once here.</summary>
    public InferenceSession(LlamaModel model, int maxSequences, int maxLength, Compute compute, int maxRows = 256)
    {
        var c = model.Config;
        if (maxLength > c.MaxPositionEmbeddings)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), $"max length {maxLength} exceeds max_position_embeddings {c.MaxPositionEmbeddings}");
        }
        _m = model;
        _cx = compute;
        MaxSequences = maxSequences;
        MaxLength = maxLength;
        MaxRows = maxRows;
        _d = c.HiddenSize;
        _f = c.IntermediateSize;
        _v = c.VocabSize;
        _qDim = c.QDim;
        _kvDim = c.KvDim;
        _qkv = _qDim + 2 * _kvDim;
        _L = c.NumHiddenLayers;
        long cache = (long)_L * maxSequences * maxLength * _kvDim;
        try
        {
            _kCache = _arena.Add("k_cache", cache);
            _vCache = _arena.Add("v_cache", cache);
            _x = _arena.Add("x", (long)maxRows * _d);
            _xn = _arena.Add("xn", (long)maxRows * _d);
            _qkvBuf = _arena.Add("qkv", (long)maxRows * _qkv);
            _att = _arena.Add("att", (long)maxRows * _qDim);
            _gu = _arena.Add("gate_up", (long)maxRows * 2 * _f);
            _h = _arena.Add("h", (long)maxRows * _f);
            _rstd = _arena.Add("rstd", maxRows);
            _logits = _arena.Add("logits", (long)maxRows * _v);
            _scores = _arena.Add("scores", (long)maxRows * c.NumAttentionHeads * maxLength);
        }
        catch
        {
            _arena.Dispose();
            throw;
        }
        _lengths = new int[maxSequences];
    }

    /// <summary>Number of cache slots.</summary>
    public int MaxSequences { get; }

    /// <summary>Longest sequence a slot can hold.</summary>
    public int MaxLength { get; }

    /// <summary>Rows one forward call may process.</summary>
    public int MaxRows { get; }

    /// <summary>Tokens currently cached for a slot.</summary>
    public int Length(int seq) => _lengths[seq];

    /// <summary>Forgets a slot's cache.</summary>
    public void Reset(int seq) => _lengths[seq] = 0;

    /// <summary>
    /// Appends <paramref name="tokens"/> to slot <paramref name="seq"/> (in chunks of MaxRows) and returns the
    /// logits after the last one in <paramref name="lastLogits"/> [V]. When <paramref name="losses"/> is given,
    /// losses[i] = −log p(tokens[i+1] | everything before) for i &lt; tokens.Length − 1.
    /// </summary>
    public void Prefill(int seq, ReadOnlySpan<int> tokens, Span<float> lastLogits, Span<float> losses = default) =>
        Prefill(seq, tokens, lastLogits, losses, null);

    /// <summary>
    /// Like <see cref="Prefill(int, ReadOnlySpan{int}, Span{float}, Span{float})"/>, and hands the logits after every
    /// token to <paramref name="onRow"/>(index in tokens, logits [V]) in order (prompt logprobs for a server).
    /// </summary>
    public void Prefill(int seq, ReadOnlySpan<int> tokens, Span<float> lastLogits, RowLogitsHandler onRow) =>
        Prefill(seq, tokens, lastLogits, default, onRow);

    private void Prefill(int seq, ReadOnlySpan<int> tokens, Span<float> lastLogits, Span<float> losses, RowLogitsHandler? onRow)
    {
        if (tokens.Length == 0)
        {
            throw new ArgumentException("prefill needs at least one token", nameof(tokens));
        }
        if (_lengths[seq] + tokens.Length > MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(tokens), $"sequence would reach {_lengths[seq] + tokens.Length} tokens; the limit is {MaxLength}");
        }
        Span<int> seqs = stackalloc int[1];
        seqs[0] = seq;
        int done = 0;
        while (done < tokens.Length)
        {
            int rows = Math.Min(MaxRows, tokens.Length - done);
            bool allRows = !losses.IsEmpty || onRow is not null;
            ForwardRows(seq, tokens.Slice(done, rows), allRows);
            if (onRow is not null)
            {
                for (int r = 0; r < rows; r++)
                {
                    onRow(done + r, new ReadOnlySpan<float>(_logits.Ptr + (long)r * _v, _v));
                }
            }
            if (!losses.IsEmpty)
            {
                for (int r = 0; r < rows; r++)
                {
                    int i = done + r;
                    if (i + 1 < tokens.Length)
                    {
                        losses[i] = CrossEntropy.RowLoss(_logits.Ptr + (long)r * _v, _v, tokens[i + 1]);
                    }
                }
            }
            done += rows;
            if (done == tokens.Length)
            {
                long lastRow = allRows ? rows - 1 : 0;
                new Span<float>(_logits.Ptr + lastRow * _v, _v).CopyTo(lastLogits);
            }
        }
    }

    /// <summary>
    /// One decode step for several slots at once: appends tokens[i] to slot seqs[i] and writes its next-token
    /// logits into logits[i·V .. (i+1)·V).
    /// </summary>
    public void Step(ReadOnlySpan<int> seqs, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (seqs.Length != tokens.Length || seqs.Length > MaxRows || logits.Length < seqs.Length * _v)
        {
            throw new ArgumentException("seqs, tokens and logits sizes disagree");
        }
        int rows = seqs.Length;
        Span<int> pos = stackalloc int[rows];
        for (int r = 0; r < rows; r++)
        {
            if (_lengths[seqs[r]] >= MaxLength)
            {
                throw new InvalidOperationException($"slot {seqs[r]} is full ({MaxLength} tokens)");
            }
            pos[r] = _lengths[seqs[r]];
        }
        Run(seqs, pos, tokens, allRows: true);
        for (int r = 0; r < rows; r++)
        {
            _lengths[seqs[r]]++;
        }
        new Span<float>(_logits.Ptr, rows * _v).CopyTo(logits);
    }

    private void ForwardRows(int seq, ReadOnlySpan<int> tokens, bool allRows)
    {
        int rows = tokens.Length;
        Span<int> seqs = rows <= 1024 ? stackalloc int[rows] : new int[rows];
        Span<int> pos = rows <= 1024 ? stackalloc int[rows] : new int[rows];
        for (int r = 0; r < rows; r++)
        {
            seqs[r] = seq;
            pos[r] = _lengths[seq] + r;
        }
        Run(seqs, pos, tokens, allRows);
        _lengths[seq] += rows; // when !allRows only the last row's logits were computed, into row 0
    }

    // Rows are (seqs[r], pos[r], tokens[r]); K/V of each row are written to the cache before attention,
    // so rows of one sequence given in position order see each other causally.
    private void Run(ReadOnlySpan<int> seqs, ReadOnlySpan<int> pos, ReadOnlySpan<int> tokens, bool allRows)
    {
        var c = _m.Config;
        var lay = _m.Layout;
        float* W = _m.Weights.Ptr;
        int rows = tokens.Length, th = _cx.Threads;
        var gemm = _cx.Gemm;
        Embedding.Forward(_x.Ptr, W + lay.Embedding, tokens, _v, _d);
        int[] seqArr = seqs.ToArray(), posArr = pos.ToArray();
        for (int l = 0; l < _L; l++)
        {
            var o = lay.Layers[l];
            RmsNorm.Forward(_xn.Ptr, _rstd.Ptr, _x.Ptr, W + o.AttnNorm, rows, _d, c.RmsNormEps, th);
            Linear.Forward(_cx, _qkvBuf.Ptr, _xn.Ptr, W + o.Qkv, rows, _d, _qkv);
            long layerCache = (long)l * MaxSequences * MaxLength * _kvDim;
            for (int r = 0; r < rows; r++)
            {
                float* row = _qkvBuf.Ptr + (long)r * _qkv;
                _m.Rope.Apply(row, c.NumAttentionHeads + c.NumKeyValueHeads, posArr[r], inverse: false);
                long slot = layerCache + ((long)seqArr[r] * MaxLength + posArr[r]) * _kvDim;
                Vec.Copy(_kCache.Ptr + slot, row + _qDim, _kvDim);
                Vec.Copy(_vCache.Ptr + slot, row + _qDim + _kvDim, _kvDim);
            }
            CachedAttention(layerCache, seqArr, posArr, rows);
            Linear.Forward(_cx, _x.Ptr, _att.Ptr, W + o.O, rows, _qDim, _d, accumulate: true);
            RmsNorm.Forward(_xn.Ptr, _rstd.Ptr, _x.Ptr, W + o.MlpNorm, rows, _d, c.RmsNormEps, th);
            Linear.Forward(_cx, _gu.Ptr, _xn.Ptr, W + o.GateUp, rows, _d, 2 * _f);
            SwiGlu.Forward(_h.Ptr, _gu.Ptr, rows, _f, th);
            Linear.Forward(_cx, _x.Ptr, _h.Ptr, W + o.Down, rows, _f, _d, accumulate: true);
        }
        if (allRows)
        {
            RmsNorm.Forward(_xn.Ptr, _rstd.Ptr, _x.Ptr, W + lay.FinalNorm, rows, _d, c.RmsNormEps, th);
            Linear.Forward(_cx, _logits.Ptr, _xn.Ptr, W + lay.LmHead, rows, _d, _v);
        }
        else
        {
            float* last = _x.Ptr + (long)(rows - 1) * _d;
            RmsNorm.Forward(_xn.Ptr, _rstd.Ptr, last, W + lay.FinalNorm, 1, _d, c.RmsNormEps, th);
            Linear.Forward(_cx, _logits.Ptr, _xn.Ptr, W + lay.LmHead, 1, _d, _v);
        }
    }

    private void CachedAttention(long layerCache, int[] seqs, int[] pos, int rows)
    {
        var c = _m.Config;
        int heads = c.NumAttentionHeads, hd = c.HeadDim, group = c.GroupSize;
        float scale = 1f / MathF.Sqrt(hd);
        float* kc = _kCache.Ptr, vc = _vCache.Ptr, qkv = _qkvBuf.Ptr, att = _att.Ptr, sc = _scores.Ptr;
        int maxLen = MaxLength, kvDim = _kvDim, qkvDim = _qkv, qDim = _qDim;
        Par.ForEach(rows * heads, _cx.Threads, rh =>
        {
            int r = rh / heads, h = rh % heads, g = h / group, p = pos[r];
            float* q = qkv + (long)r * qkvDim + h * hd;
            long seqBase = layerCache + (long)seqs[r] * maxLen * kvDim + g * hd;
            float* s = sc + (long)rh * maxLen;
            float max = float.NegativeInfinity;
            for (int j = 0; j <= p; j++)
            {
                float v = Vec.Dot(q, kc + seqBase + (long)j * kvDim, hd) * scale;
                s[j] = v;
                max = MathF.Max(max, v);
            }
            float sum = 0;
            for (int j = 0; j <= p; j++)
            {
                s[j] = MathF.Exp(s[j] - max);
                sum += s[j];
            }
            float inv = 1f / sum;
            float* o = att + (long)r * qDim + h * hd;
            new Span<float>(o, hd).Clear();
            for (int j = 0; j <= p; j++)
            {
                Vec.Axpy(o, s[j] * inv, vc + seqBase + (long)j * kvDim, hd);
            }
        });
    }

    /// <summary>Bytes of cache and activation memory held (for reports).</summary>
    public long AllocatedBytes => _arena.Bytes;

    /// <inheritdoc />
    public void Dispose() => _arena.Dispose();
}
