using System.Runtime.Intrinsics;

namespace Sift.Engine.Ops;

/// <summary>
/// Rotary position embedding in Hugging Face's half-split (<c>rotate_half</c>) convention: within a head,
/// element i pairs with i + hd/2, rotated by angle pos·θ^(−2i/hd). Backward is the inverse rotation.
/// </summary>
public sealed unsafe class Rope
{
    private readonly float[] _cos;
    private readonly float[] _sin;

    /// <summary>Precomputes cos/sin for positions [0, maxPos) as transformers does (float32 inv_freq and angles).</summary>
    public Rope(int headDim, int maxPos, float theta)
    {
        HeadDim = headDim;
        MaxPositions = maxPos;
        int half = headDim / 2;
        _cos = new float[maxPos * half];
        _sin = new float[maxPos * half];
        for (int i = 0; i < half; i++)
        {
            float invFreq = 1f / MathF.Pow(theta, 2 * i / (float)headDim);
            for (int p = 0; p < maxPos; p++)
            {
                float angle = p * invFreq;
                _cos[p * half + i] = MathF.Cos(angle);
                _sin[p * half + i] = MathF.Sin(angle);
            }
        }
    }

    /// <summary>Head dimension.</summary>
    public int HeadDim { get; }

    /// <summary>Positions covered by the tables.</summary>
    public int MaxPositions { get; }

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
        fixed (float* cp = &_cos[pos * half], sp = &_sin[pos * half])
        {
            Rotate(v, heads, HeadDim, cp, sp, inverse);
        }
    }

    // a' = a·cos − b·sin, b' = a·sin + b·cos on the half-split pairs of each head (sin negated for the inverse).
    private static void Rotate(float* v, int heads, int headDim, float* cp, float* sp, bool inverse)
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
        for (int h = 0; h < heads; h++)
        {
            float* a = v + h * HeadDim, b = a + half;
            for (int i = 0; i < half; i++)
            {
                float c = _cos[pos * half + i], s = inverse ? -_sin[pos * half + i] : _sin[pos * half + i];
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
        fixed (float* cp = _cos, sp = _sin)
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
