using System.Runtime.Intrinsics;
using Sift.Engine.Model;

namespace Sift.Engine.Ops;

/// <summary>
/// Rotary position embedding in Hugging Face's half-split (<c>rotate_half</c>) convention: within a head,
/// element i pairs with i + hd/2, rotated by angle pos·inv_freq[i] (inv_freq from <see cref="RopeFrequencies"/>:
/// θ^(−2i/hd), or its linear / dynamic / llama3 rewrite). Backward is the inverse rotation.
/// </summary>
/// <remarks>
/// cos/sin tables cover positions [0, n) and grow on demand up to <see cref="MaxPositions"/> (a 128k-context
/// config does not pay for its whole table up front); callers size them in their constructors with
/// <see cref="EnsurePositions"/>, so steps do not allocate. Dynamic scaling beyond max_position_embeddings changes
/// the frequencies with the sequence length: <see cref="For"/> builds a table for one length and
/// <see cref="RowAngles"/> computes a row's angles for any length.
/// </remarks>
public sealed unsafe class Rope
{
    private const int InitialPositions = 4096;
    private readonly float[] _invFreq;
    private readonly float _positionDivisor;
    private readonly LlamaConfig? _dynamic;
    private readonly object _growLock = new();
    private volatile Table _table;

    /// <summary>Plain RoPE with base <paramref name="theta"/> for positions [0, maxPos) (float32 inv_freq and angles, as transformers).</summary>
    public Rope(int headDim, int maxPos, float theta)
        : this(headDim, maxPos, RopeFrequencies.Default(headDim, theta), 1f, null)
    {
    }

    private Rope(int headDim, int maxPos, float[] invFreq, float positionDivisor, LlamaConfig? dynamic)
    {
        HeadDim = headDim;
        MaxPositions = maxPos;
        _invFreq = invFreq;
        _positionDivisor = positionDivisor;
        _dynamic = dynamic;
        _table = Build(Math.Min(maxPos, InitialPositions));
    }

    /// <summary>
    /// The rotary embedding of <paramref name="config"/> (its rope_theta and rope_scaling) for sequences of
    /// <paramref name="contextLength"/> tokens, with tables for positions [0, <paramref name="maxPositions"/>).
    /// </summary>
    public static Rope For(LlamaConfig config, int maxPositions, int contextLength) =>
        new(config.HeadDim, maxPositions, RopeFrequencies.For(config, contextLength), RopeFrequencies.PositionDivisor(config),
            config.RopeScaling?.Type == RopeScalingType.Dynamic ? config : null);

    /// <summary>Head dimension.</summary>
    public int HeadDim { get; }

    /// <summary>Positions the tables may cover.</summary>
    public int MaxPositions { get; }

    private sealed class Table(float[] cos, float[] sin, int positions)
    {
        public readonly float[] Cos = cos, Sin = sin;
        public readonly int Positions = positions;
    }

    // Same float32 product as transformers: (inv_freq @ position_ids), positions divided first for InternLM2's linear scaling.
    private static float Angle(int pos, float invFreq, float divisor) => divisor == 1f ? pos * invFreq : pos / divisor * invFreq;

    private Table Build(int positions)
    {
        int half = HeadDim / 2;
        var cos = new float[(long)positions * half];
        var sin = new float[(long)positions * half];
        for (int i = 0; i < half; i++)
        {
            float invFreq = _invFreq[i];
            for (int p = 0; p < positions; p++)
            {
                float angle = Angle(p, invFreq, _positionDivisor);
                cos[(long)p * half + i] = MathF.Cos(angle);
                sin[(long)p * half + i] = MathF.Sin(angle);
            }
        }
        return new Table(cos, sin, positions);
    }

    /// <summary>Grows the tables to cover positions [0, <paramref name="positions"/>) (call outside step loops).</summary>
    public void EnsurePositions(int positions)
    {
        if (positions > MaxPositions)
        {
            throw new ArgumentOutOfRangeException(nameof(positions), $"position {positions - 1} is beyond the rotary table ({MaxPositions})");
        }
        if (positions <= _table.Positions)
        {
            return;
        }
        lock (_growLock)
        {
            if (positions > _table.Positions)
            {
                _table = Build(Math.Min(MaxPositions, Math.Max(positions, 2 * _table.Positions)));
            }
        }
    }

    private Table TableFor(int positions)
    {
        var t = _table;
        if (positions <= t.Positions)
        {
            return t;
        }
        EnsurePositions(positions);
        return _table;
    }

    /// <summary>
    /// cos/sin [hd/2] of position <paramref name="pos"/> in a sequence of <paramref name="contextLength"/> tokens
    /// (the length only matters for dynamic scaling beyond max_position_embeddings).
    /// </summary>
    public void RowAngles(int pos, int contextLength, float* cos, float* sin)
    {
        int half = HeadDim / 2;
        if (_dynamic is LlamaConfig c && contextLength > c.MaxPositionEmbeddings)
        {
            Span<float> inv = stackalloc float[half];
            RopeFrequencies.For(c, contextLength, inv);
            for (int i = 0; i < half; i++)
            {
                float angle = Angle(pos, inv[i], _positionDivisor);
                cos[i] = MathF.Cos(angle);
                sin[i] = MathF.Sin(angle);
            }
            return;
        }
        var t = TableFor(pos + 1);
        new ReadOnlySpan<float>(t.Cos, pos * half, half).CopyTo(new Span<float>(cos, half));
        new ReadOnlySpan<float>(t.Sin, pos * half, half).CopyTo(new Span<float>(sin, half));
    }

    /// <summary>Rotates <paramref name="heads"/> consecutive heads of one token row in place (8 lanes at a time).</summary>
    /// <param name="v">First element of the first head.</param>
    /// <param name="heads">Number of heads in the row segment.</param>
    /// <param name="pos">Absolute position of the token.</param>
    /// <param name="inverse">True for the backward (rotation by −angle).</param>
    public void Apply(float* v, int heads, int pos, bool inverse)
    {
        if ((uint)pos >= (uint)MaxPositions)
        {
            throw new ArgumentOutOfRangeException(nameof(pos), $"position {pos} is beyond the rotary table ({MaxPositions})");
        }
        int half = HeadDim / 2;
        var t = TableFor(pos + 1);
        fixed (float* cp = &t.Cos[pos * half], sp = &t.Sin[pos * half])
        {
            Rotate(v, heads, HeadDim, cp, sp, inverse);
        }
    }

    /// <summary>
    /// Rotates <paramref name="heads"/> consecutive heads by the angles whose cos/sin are given:
    /// a' = a·cos − b·sin, b' = a·sin + b·cos on the half-split pairs of each head (sin negated for the inverse).
    /// </summary>
    public static void Rotate(float* v, int heads, int headDim, float* cp, float* sp, bool inverse)
    {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++)
        {
            float* a = v + h * headDim, b = a + half;
            int i = 0;
            for (; i <= half - 8; i += 8)
            {
                var c = Vector256.Load(cp + i);
                var sn = inverse ? -Vector256.Load(sp + i) : Vector256.Load(sp + i);
                var x = Vector256.Load(a + i);
                var y = Vector256.Load(b + i);
                Vector256.Store(x * c - y * sn, a + i);
                Vector256.Store(x * sn + y * c, b + i);
            }
            for (; i < half; i++)
            {
                float c = cp[i], sn = inverse ? -sp[i] : sp[i];
                float x = a[i], y = b[i];
                a[i] = x * c - y * sn;
                b[i] = x * sn + y * c;
            }
        }
    }

    /// <summary>Scalar reference of <see cref="Apply"/>.</summary>
    public void ApplyReference(float* v, int heads, int pos, bool inverse)
    {
        int half = HeadDim / 2;
        var t = TableFor(pos + 1);
        for (int h = 0; h < heads; h++)
        {
            float* a = v + h * HeadDim, b = a + half;
            for (int i = 0; i < half; i++)
            {
                float c = t.Cos[pos * half + i], s = inverse ? -t.Sin[pos * half + i] : t.Sin[pos * half + i];
                float x = a[i], y = b[i];
                a[i] = x * c - y * s;
                b[i] = x * s + y * c;
            }
        }
    }

    /// <summary>
    /// Applies to q (the first <paramref name="qHeads"/> heads) and k (the next <paramref name="kvHeads"/>)
    /// of every row of a [B·T, rowStride] qkv buffer; the position of row r is r mod T.
    /// </summary>
    public void ApplyQk(float* qkv, int rows, int seqLen, int rowStride, int qHeads, int kvHeads, bool inverse, int threads)
    {
        if (seqLen > MaxPositions)
        {
            throw new ArgumentOutOfRangeException(nameof(seqLen), $"sequence length {seqLen} is beyond the rotary table ({MaxPositions})");
        }
        var t = TableFor(seqLen);
        fixed (float* cp = t.Cos, sp = t.Sin)
        {
            var a = new QkArgs { Qkv = qkv, Cos = cp, Sin = sp, SeqLen = seqLen, RowStride = rowStride, Heads = qHeads + kvHeads, HeadDim = HeadDim, Inverse = inverse };
            Kernels.Par.For(rows, threads, &a, &QkRows);
        }
    }

    private struct QkArgs
    {
        public float* Qkv, Cos, Sin;
        public int SeqLen, RowStride, Heads, HeadDim;
        public bool Inverse;
    }

    private static void QkRows(QkArgs* a, int s, int e)
    {
        int half = a->HeadDim / 2;
        for (int r = s; r < e; r++)
        {
            int pos = r % a->SeqLen;
            Rotate(a->Qkv + (long)r * a->RowStride, a->Heads, a->HeadDim, a->Cos + pos * half, a->Sin + pos * half, a->Inverse);
        }
    }
}
