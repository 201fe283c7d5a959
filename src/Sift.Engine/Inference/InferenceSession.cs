using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Engine.Ops;
using Sift.Engine.Tensors;

namespace Sift.Engine.Inference;

/// <summary>Receives the head outputs [W] (LM logits, or a score head's outputs) after token <paramref name="index"/> of a prefill.</summary>
public delegate void RowLogitsHandler(int index, ReadOnlySpan<float> logits);

/// <summary>Receives the final-normed hidden state [d] after token <paramref name="index"/> of a prefill.</summary>
public delegate void RowHiddenHandler(int index, ReadOnlySpan<float> hidden);

/// <summary>Receives the final-normed hidden state [d] after token <paramref name="index"/> of sequence <paramref name="sequence"/> of a batched prefill.</summary>
public delegate void SequenceRowHiddenHandler(int sequence, int index, ReadOnlySpan<float> hidden);

/// <summary>
/// Forward-only execution with a key/value cache for up to <see cref="MaxSequences"/> sequences.
/// Every call processes a ragged set of rows (sequence, position, token): a prompt prefill is many rows of
/// one sequence, a batched decode step is one row per sequence. Attention of a row reads the cache of its
/// own sequence up to and including its position (the last W positions under a sliding window).
/// Shapes: kCache/vCache [L, S, maxLen, KvDim]; row buffers [R, ·] with R ≤ MaxRows; head outputs [R, W] where W is
/// <see cref="LlamaConfig.HeadWidth"/> (the vocabulary, or a score head's num_labels).
/// </summary>
/// <remarks>
/// Dynamic RoPE scaling beyond max_position_embeddings follows transformers' generate for one sequence: a prefill's
/// rows use the frequencies of the prefill's total length, a decode step those of the length after it; cached keys
/// keep the rotation they were computed with.
/// </remarks>
public sealed unsafe class InferenceSession : IDecodeSession
{
    private readonly LlamaModel _m;
    private readonly Compute _cx;
    private readonly int _d, _f, _v, _hw, _qkv, _qDim, _kvDim, _L;
    private readonly int[] _windows;
    private readonly List<(int Row, int Length)> _blocks = [];
    private readonly List<int> _single = [];
    private readonly BufferArena _arena = new();
    private readonly KvCache _cache;
    private readonly NativeBuffer _x, _xn, _qkvBuf, _att, _gu, _h, _rstd, _ropeCos, _ropeSin, _vec, _headRow;
    private NativeBuffer? _logitsBuf; // [MaxRows, W], allocated on the first call that runs the head (hidden-only scoring never does)
    [ThreadStatic] private static NativeBuffer? t_scores;
    private readonly int[] _lengths;

    /// <summary>Creates a session; row buffers are allocated here, each slot's KV cache as its sequence grows.</summary>
    public InferenceSession(LlamaModel model, int maxSequences, int maxLength, Compute compute, int maxRows = 256)
    {
        var c = model.Config;
        if (maxLength > c.MaxSequenceLength)
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
        _hw = c.HeadWidth;
        _qDim = c.QDim;
        _kvDim = c.KvDim;
        _qkv = _qDim + 2 * _kvDim;
        _L = c.NumHiddenLayers;
        _windows = [.. Enumerable.Range(0, _L).Select(l => c.AttentionWindow(l) ?? 0)];
        try
        {
            _x = _arena.Add("x", (long)maxRows * _d);
            _xn = _arena.Add("xn", (long)maxRows * _d);
            _qkvBuf = _arena.Add("qkv", (long)maxRows * _qkv);
            _att = _arena.Add("att", (long)maxRows * _qDim);
            _gu = _arena.Add("gate_up", (long)maxRows * 2 * _f);
            _h = _arena.Add("h", (long)maxRows * _f);
            _rstd = _arena.Add("rstd", maxRows);
            _ropeCos = _arena.Add("rope_cos", (long)maxRows * c.HeadDim / 2);
            _ropeSin = _arena.Add("rope_sin", (long)maxRows * c.HeadDim / 2);
            _vec = _arena.Add("vectors", Math.Max(_d, _qkv));
            _headRow = _arena.Add("head_row", _d);
        }
        catch
        {
            _arena.Dispose();
            throw;
        }
        _cache = new KvCache(maxSequences, _L, _kvDim, maxLength);
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

    // Head outputs of the last call that ran the head.
    private NativeBuffer Logits => _logitsBuf ??= _arena.Add("logits", (long)MaxRows * _hw);

    /// <summary>Head outputs per position (the vocabulary for a language-model head).</summary>
    public int Width => _hw;

    /// <summary>Forgets a slot's cache.</summary>
    public void Reset(int seq) => _lengths[seq] = 0;

    void IDecodeSession.Prefill(int seq, ReadOnlySpan<int> tokens, Span<float> lastLogits) => Prefill(seq, tokens, lastLogits, default, null);

    /// <summary>
    /// Makes slot <paramref name="to"/> hold the first <paramref name="length"/> cached positions of slot
    /// <paramref name="from"/> (a copy of their keys and values): N samples of one prompt compute the prompt once. A
    /// slot's rows never change once written, so any slot whose sequence starts with the prompt can give it, and
    /// <paramref name="from"/> == <paramref name="to"/> just drops the positions after <paramref name="length"/>.
    /// </summary>
    public void ForkPrefix(int from, int to, int length)
    {
        if ((uint)length > (uint)_lengths[from])
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"slot {from} holds {_lengths[from]} positions; cannot fork {length}");
        }
        if (from != to)
        {
            _cache.CopyPrefix(from, to, length);
        }
        _lengths[to] = length;
    }

    /// <summary>
    /// Appends <paramref name="tokens"/> to slot <paramref name="seq"/> (in chunks of MaxRows) and returns the
    /// head outputs after the last one in <paramref name="lastLogits"/> [W]. When <paramref name="losses"/> is given
    /// (LM head only), losses[i] = −log p(tokens[i+1] | everything before) for i &lt; tokens.Length − 1.
    /// </summary>
    public void Prefill(int seq, ReadOnlySpan<int> tokens, Span<float> lastLogits, Span<float> losses = default) =>
        Prefill(seq, tokens, lastLogits, losses, null);

    /// <summary>
    /// Like <see cref="Prefill(int, ReadOnlySpan{int}, Span{float}, Span{float})"/>, and hands the head outputs after
    /// every token to <paramref name="onRow"/>(index in tokens, outputs [W]) in order (prompt logprobs for a server,
    /// per-position scores of a reward model).
    /// </summary>
    public void Prefill(int seq, ReadOnlySpan<int> tokens, Span<float> lastLogits, RowLogitsHandler onRow) =>
        Prefill(seq, tokens, lastLogits, default, onRow);

    /// <summary>
    /// Appends <paramref name="tokens"/> to slot <paramref name="seq"/> and hands the final-normed hidden state after
    /// every token to <paramref name="onRow"/>, skipping the head: a reader of a few tokens' logits (a reward model's
    /// label tokens) takes them with <see cref="TokenLogit"/> at forward cost without the vocabulary projection.
    /// </summary>
    public void PrefillHidden(int seq, ReadOnlySpan<int> tokens, RowHiddenHandler onRow)
    {
        if (tokens.Length == 0)
        {
            throw new ArgumentException("prefill needs at least one token", nameof(tokens));
        }
        if (_lengths[seq] + tokens.Length > MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(tokens), $"sequence would reach {_lengths[seq] + tokens.Length} tokens; the limit is {MaxLength}");
        }
        int context = _lengths[seq] + tokens.Length;
        int done = 0;
        while (done < tokens.Length)
        {
            int rows = Math.Min(MaxRows, tokens.Length - done);
            ForwardRows(seq, tokens.Slice(done, rows), allRows: true, context, hiddenOnly: true);
            for (int r = 0; r < rows; r++)
            {
                onRow(done + r, new ReadOnlySpan<float>(_xn.Ptr + (long)r * _d, _d));
            }
            done += rows;
        }
    }

    /// <summary>The head output <paramref name="column"/> (a token's logit) for a hidden state from <see cref="PrefillHidden"/>: one row of the head.</summary>
    public float TokenLogit(ReadOnlySpan<float> hidden, int column)
    {
        if (hidden.Length != _d || (uint)column >= (uint)_hw)
        {
            throw new ArgumentException($"hidden has {hidden.Length} values (expected {_d}); column {column} (head width {_hw})");
        }
        float* w = _m.View.Floats(_m.Layout.Head + (long)column * _d, _d, _headRow.Ptr);
        fixed (float* h = hidden)
        {
            return Vec.Dot(h, w, _d);
        }
    }

    /// <summary>
    /// Prefills many independent sequences from empty slots, packing rows of several sequences into each forward call
    /// (up to MaxRows rows; a sequence longer than that is spread over calls), and hands the final-normed hidden
    /// state after every token to <paramref name="onRow"/>(sequence, index, hidden), each sequence's rows in order.
    /// Sequences take the slots in turn; when one is done <paramref name="onDone"/>(sequence) runs and its slot takes
    /// the next, so every call but the last is full whatever the lengths, with no padding. Each sequence sees exactly
    /// what <see cref="PrefillHidden"/> of it alone into an empty slot sees (its own cache, RoPE for its own length).
    /// Every slot's cache is overwritten.
    /// </summary>
    public void PrefillHiddenMany(IReadOnlyList<int[]> sequences, SequenceRowHiddenHandler onRow, Action<int>? onDone = null, CancellationToken cancel = default)
    {
        for (int i = 0; i < sequences.Count; i++)
        {
            if (sequences[i].Length == 0 || sequences[i].Length > MaxLength)
            {
                throw new ArgumentException($"sequence {i} has {sequences[i].Length} tokens; expected 1 to {MaxLength}", nameof(sequences));
            }
        }
        int slots = MaxSequences;
        var owner = new int[slots]; // the sequence a slot holds, or −1
        Array.Fill(owner, -1);
        int[] seqs = new int[MaxRows], pos = new int[MaxRows], ctx = new int[MaxRows], toks = new int[MaxRows];
        var byAge = new List<int>(slots); // busy slots, oldest sequence first, so the earliest finish first
        int next = 0;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            for (int s = 0; s < slots && next < sequences.Count; s++)
            {
                if (owner[s] < 0)
                {
                    owner[s] = next++;
                    _lengths[s] = 0;
                    byAge.Add(s);
                }
            }
            if (byAge.Count == 0)
            {
                return;
            }
            int rows = 0;
            foreach (int s in byAge)
            {
                int[] t = sequences[owner[s]];
                int take = Math.Min(MaxRows - rows, t.Length - _lengths[s]);
                if (take <= 0)
                {
                    break;
                }
                _cache.Ensure(s, _lengths[s] + take, _lengths[s]);
                for (int k = 0; k < take; k++, rows++)
                {
                    seqs[rows] = s;
                    pos[rows] = _lengths[s] + k;
                    ctx[rows] = t.Length;
                    toks[rows] = t[_lengths[s] + k];
                }
            }
            Run(seqs.AsSpan(0, rows), pos.AsSpan(0, rows), ctx.AsSpan(0, rows), toks.AsSpan(0, rows), allRows: true, hiddenOnly: true);
            for (int r = 0; r < rows; r++)
            {
                onRow(owner[seqs[r]], pos[r], new ReadOnlySpan<float>(_xn.Ptr + (long)r * _d, _d));
            }
            for (int r = 0; r < rows; r++)
            {
                _lengths[seqs[r]]++;
            }
            foreach (int s in byAge.Where(s => _lengths[s] == sequences[owner[s]].Length).ToList())
            {
                cancel.ThrowIfCancellationRequested(); // a cancelled run reports nothing more, even what this call finished
                int done = owner[s];
                owner[s] = -1;
                byAge.Remove(s);
                onDone?.Invoke(done);
            }
        }
    }

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
        if (!losses.IsEmpty)
        {
            _m.Config.RequireCausalLm("prefill losses");
        }
        int context = _lengths[seq] + tokens.Length;
        Span<int> seqs = stackalloc int[1];
        seqs[0] = seq;
        int done = 0;
        while (done < tokens.Length)
        {
            int rows = Math.Min(MaxRows, tokens.Length - done);
            bool allRows = !losses.IsEmpty || onRow is not null;
            ForwardRows(seq, tokens.Slice(done, rows), allRows, context);
            if (onRow is not null)
            {
                for (int r = 0; r < rows; r++)
                {
                    onRow(done + r, new ReadOnlySpan<float>(Logits.Ptr + (long)r * _hw, _hw));
                }
            }
            if (!losses.IsEmpty)
            {
                for (int r = 0; r < rows; r++)
                {
                    int i = done + r;
                    if (i + 1 < tokens.Length)
                    {
                        losses[i] = RowLogSoftmax.Loss(Logits.Ptr + (long)r * _v, _v, tokens[i + 1]);
                    }
                }
            }
            done += rows;
            if (done == tokens.Length)
            {
                long lastRow = allRows ? rows - 1 : 0;
                new Span<float>(Logits.Ptr + lastRow * _hw, _hw).CopyTo(lastLogits);
            }
        }
    }

    /// <summary>
    /// One decode step for several slots at once: appends tokens[i] to slot seqs[i] and writes its head outputs
    /// (next-token logits) into logits[i·W .. (i+1)·W).
    /// </summary>
    public void Step(ReadOnlySpan<int> seqs, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (seqs.Length != tokens.Length || seqs.Length > MaxRows || logits.Length < seqs.Length * _hw)
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
            _cache.Ensure(seqs[r], pos[r] + 1, pos[r]);
        }
        Span<int> ctx = stackalloc int[rows];
        for (int r = 0; r < rows; r++)
        {
            ctx[r] = pos[r] + 1;
        }
        Run(seqs, pos, ctx, tokens, allRows: true);
        for (int r = 0; r < rows; r++)
        {
            _lengths[seqs[r]]++;
        }
        new Span<float>(Logits.Ptr, rows * _hw).CopyTo(logits);
    }

    private void ForwardRows(int seq, ReadOnlySpan<int> tokens, bool allRows, int context, bool hiddenOnly = false)
    {
        int rows = tokens.Length;
        _cache.Ensure(seq, _lengths[seq] + rows, _lengths[seq]);
        Span<int> seqs = rows <= 1024 ? stackalloc int[rows] : new int[rows];
        Span<int> pos = rows <= 1024 ? stackalloc int[rows] : new int[rows];
        Span<int> ctx = rows <= 1024 ? stackalloc int[rows] : new int[rows];
        for (int r = 0; r < rows; r++)
        {
            seqs[r] = seq;
            pos[r] = _lengths[seq] + r;
            ctx[r] = context;
        }
        Run(seqs, pos, ctx, tokens, allRows, hiddenOnly);
        _lengths[seq] += rows; // when !allRows only the last row's logits were computed, into row 0
    }

    // Rows are (seqs[r], pos[r], tokens[r]) in sequences of ctx[r] tokens (what dynamic RoPE sees); K/V of each
    // row are written to the cache before attention, so rows of one sequence given in position order see each
    // other causally.
    private void Run(ReadOnlySpan<int> seqs, ReadOnlySpan<int> pos, ReadOnlySpan<int> ctx, ReadOnlySpan<int> tokens, bool allRows, bool hiddenOnly = false)
    {
        var c = _m.Config;
        var lay = _m.Layout;
        var W = _m.View;
        float* vec = _vec.Ptr; // norm gains and biases widened here when the weights are 16-bit
        int rows = tokens.Length, th = _cx.Threads;
        var gemm = _cx.Gemm;
        Embedding.Forward(_x.Ptr, W, lay.Embedding, tokens, _v, _d);
        int[] seqArr = seqs.ToArray(), posArr = pos.ToArray();
        int half = c.HeadDim / 2;
        int[] ctxArr = ctx.ToArray();
        float* ropeCos = _ropeCos.Ptr, ropeSin = _ropeSin.Ptr;
        var rope = _m.Rope;
        // Rows are independent here and below (RoPE, cache writes): split over the threads, which a 8,192-row prefill needs.
        Par.For(rows, th, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                rope.RowAngles(posArr[r], ctxArr[r], ropeCos + (long)r * half, ropeSin + (long)r * half);
            }
        });
        var (blocks, single) = AttentionRuns(seqArr, posArr, rows);
        for (int l = 0; l < _L; l++)
        {
            var o = lay.Layers[l];
            RmsNorm.Forward(_xn.Ptr, _rstd.Ptr, _x.Ptr, W.Floats(o.AttnNorm, _d, vec), rows, _d, c.RmsNormEps, th);
            Linear.Forward(_cx, _qkvBuf.Ptr, _xn.Ptr, W, o.Qkv, rows, _d, _qkv);
            if (o.HasQkvBias)
            {
                Bias.Forward(_qkvBuf.Ptr, W.Floats(o.QkvBias, _qkv, vec), rows, _qkv, th);
            }
            RotateAndCache(l, seqArr, posArr, rows);
            CachedAttention(l, seqArr, posArr, blocks, single, _windows[l]);
            Linear.Forward(_cx, _x.Ptr, _att.Ptr, W, o.O, rows, _qDim, _d, accumulate: true);
            RmsNorm.Forward(_xn.Ptr, _rstd.Ptr, _x.Ptr, W.Floats(o.MlpNorm, _d, vec), rows, _d, c.RmsNormEps, th);
            Linear.Forward(_cx, _gu.Ptr, _xn.Ptr, W, o.GateUp, rows, _d, 2 * _f);
            SwiGlu.Forward(_h.Ptr, _gu.Ptr, rows, _f, th);
            Linear.Forward(_cx, _x.Ptr, _h.Ptr, W, o.Down, rows, _f, _d, accumulate: true);
        }
        if (allRows)
        {
            RmsNorm.Forward(_xn.Ptr, _rstd.Ptr, _x.Ptr, W.Floats(lay.FinalNorm, _d, vec), rows, _d, c.RmsNormEps, th);
            if (!hiddenOnly)
            {
                Linear.Forward(_cx, Logits.Ptr, _xn.Ptr, W, lay.Head, rows, _d, _hw);
            }
        }
        else
        {
            float* last = _x.Ptr + (long)(rows - 1) * _d;
            RmsNorm.Forward(_xn.Ptr, _rstd.Ptr, last, W.Floats(lay.FinalNorm, _d, vec), 1, _d, c.RmsNormEps, th);
            Linear.Forward(_cx, Logits.Ptr, _xn.Ptr, W, lay.Head, 1, _d, _hw);
        }
    }

    // RoPE on each row's q and k, then its k and v into its slot's cache at its position.
    private void RotateAndCache(int layer, int[] seqs, int[] pos, int rows)
    {
        var c = _m.Config;
        float* qkv = _qkvBuf.Ptr, ropeCos = _ropeCos.Ptr, ropeSin = _ropeSin.Ptr;
        int qkvDim = _qkv, qDim = _qDim, kvDim = _kvDim, half = c.HeadDim / 2, heads = c.NumAttentionHeads + c.NumKeyValueHeads, hd = c.HeadDim;
        var cache = _cache;
        Par.For(rows, _cx.Threads, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                float* row = qkv + (long)r * qkvDim;
                Rope.Rotate(row, heads, hd, ropeCos + (long)r * half, ropeSin + (long)r * half, inverse: false);
                long at = (long)pos[r] * kvDim;
                Vec.Copy(cache.Keys(seqs[r], layer) + at, row + qDim, kvDim);
                Vec.Copy(cache.Values(seqs[r], layer) + at, row + qDim + kvDim, kvDim);
            }
        });
    }

    // Shortest run of rows attended with the causal GEMMs: below it the row-by-row path costs less than packing.
    private const int MinBlockRows = 16;

    // Splits the rows of a call into runs that are a whole prefix of one sequence (positions 0 .. n − 1 in order: a
    // prefill from an empty slot, the bulk of scoring) and the rest (decode steps, a sequence resumed or split over
    // calls), largest runs first so that the tasks handed out last are the short ones.
    // The lists are the session's own, refilled every call (decoding calls this once per token).
    private (List<(int Row, int Length)> Blocks, List<int> Single) AttentionRuns(int[] seqs, int[] pos, int rows)
    {
        var blocks = _blocks;
        var single = _single;
        blocks.Clear();
        single.Clear();
        for (int r = 0; r < rows;)
        {
            int e = r + 1;
            while (e < rows && seqs[e] == seqs[r] && pos[e] == pos[e - 1] + 1)
            {
                e++;
            }
            if (pos[r] == 0 && e - r >= MinBlockRows)
            {
                blocks.Add((r, e - r));
            }
            else
            {
                for (int i = r; i < e; i++)
                {
                    single.Add(i);
                }
            }
            r = e;
        }
        blocks.Sort((a, b) => b.Length.CompareTo(a.Length));
        return (blocks, single);
    }

    // One task per (block, head): the training graph's causal attention over the block's own rows of the cache (they
    // are the whole sequence so far); then one per (row, head) for the other rows, over their slot's cache.
    private void CachedAttention(int layer, int[] seqs, int[] pos, List<(int Row, int Length)> blocks, List<int> single, int window)
    {
        var c = _m.Config;
        int heads = c.NumAttentionHeads, hd = c.HeadDim, group = c.GroupSize;
        float scale = 1f / MathF.Sqrt(hd);
        float* qkv = _qkvBuf.Ptr, att = _att.Ptr;
        int kvDim = _kvDim, qkvDim = _qkv, qDim = _qDim;
        var cache = _cache;
        int blockTasks = blocks.Count * heads;
        Par.ForEach(blockTasks + single.Count * heads, _cx.Threads, t =>
        {
            if (t < blockTasks)
            {
                var (r0, n) = blocks[t / heads];
                int bh = t % heads, bg = bh / group;
                Attention.ForwardHead<CausalGemm.Fp32>(qkv + (long)r0 * qkvDim + bh * hd, qkvDim, cache.Keys(seqs[r0], layer) + bg * hd, cache.Values(seqs[r0], layer) + bg * hd, kvDim,
                    att + (long)r0 * qDim + bh * hd, qDim, n, hd, scale, window, pos: null, probs: null);
                return;
            }
            int r = single[(t - blockTasks) / heads], h = (t - blockTasks) % heads, g = h / group, p = pos[r], lo = Attention.WindowStart(p, window);
            float* q = qkv + (long)r * qkvDim + h * hd;
            float* kc = cache.Keys(seqs[r], layer) + g * hd, vc = cache.Values(seqs[r], layer) + g * hd;
            float* s = Scores(p + 1);
            float max = float.NegativeInfinity;
            for (int j = lo; j <= p; j++)
            {
                float v = Vec.Dot(q, kc + (long)j * kvDim, hd) * scale;
                s[j] = v;
                max = MathF.Max(max, v);
            }
            float sum = 0;
            for (int j = lo; j <= p; j++)
            {
                s[j] = MathF.Exp(s[j] - max);
                sum += s[j];
            }
            float inv = 1f / sum;
            float* o = att + (long)r * qDim + h * hd;
            new Span<float>(o, hd).Clear();
            for (int j = lo; j <= p; j++)
            {
                Vec.Axpy(o, s[j] * inv, vc + (long)j * kvDim, hd);
            }
        });
    }

    // This thread's grow-only attention-score row (one query's scores over its keys).
    private static float* Scores(int length)
    {
        if (t_scores is null || t_scores.Length < length)
        {
            t_scores?.Dispose();
            t_scores = new NativeBuffer(Math.Max(length, 2 * (t_scores?.Length ?? 0)));
        }
        return t_scores.Ptr;
    }

    /// <summary>Bytes of cache and activation memory held now (the caches grow with the sequences).</summary>
    public long AllocatedBytes => _arena.Bytes + _cache.Bytes;

    /// <inheritdoc />
    public void Dispose()
    {
        _arena.Dispose();
        _cache.Dispose();
    }
}
