using System.Runtime.Intrinsics;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Bf16Mixed;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Tensors;

namespace Sift.Engine.Ops;

/// <summary>
/// Causal grouped-query self-attention over a packed qkv buffer, computed with causal GEMMs.
/// Shapes: qkv [B·T, QDim + 2·KvDim] (q | k | v per row, after RoPE), probs [B, H, T, T], out [B·T, QDim].
/// Query head h reads key/value head h / GroupSize.
/// Forward: S = q·kᵀ/√hd (j ≤ i), P = softmax(S), O = P·V. With a sliding window W, row i's softmax runs over
/// i − W &lt; j ≤ i only and P is exactly 0 elsewhere, so the backward (which only reads P) needs no window.
/// Backward: dV = Pᵀ·dO; dP = dO·Vᵀ; dS = P ⊙ (dP − Σ_j dP⊙P); dQ = dS·K/√hd; dK = dSᵀ·Q/√hd,
/// with dK, dV summed over the query heads that share a kv head.
/// </summary>
/// <remarks>
/// Every product runs through an <see cref="ICausalProducts"/>: <see cref="CausalGemm"/> in fp32 (6×16 tiles) or
/// <see cref="Bf16CausalGemm"/> under bf16-mixed (12×32). Only the tiles on or below the diagonal are computed (about
/// half of T×T plus the diagonal tiles), and the right-hand operands (K, V, Q, dO) are packed once per task. Row i of
/// P is stored over [0, Width(i)) (where the tiles reach) with exact zeros above the diagonal, which is what the
/// diagonal panels of the next products read. A task is one (sequence, head) in
/// the forward and one (sequence, kv head) in the backward; it runs on one thread and owns its outputs, so
/// results do not depend on the thread count or scheduling. <see cref="AttentionReference"/> is the scalar
/// reference the tests compare against.
/// </remarks>
public static unsafe class Attention
{
    [ThreadStatic] private static NativeBuffer? t_scratch;

    /// <summary>Columns of probability row i that are written (the causal tiles of <typeparamref name="TC"/> reach this far).</summary>
    internal static int Width<TC>(int i, int seqLen)
        where TC : ICausalProducts =>
        Math.Min(seqLen, (i / TC.RowTile * TC.RowTile + TC.RowTile + TC.ColumnTile - 1) / TC.ColumnTile * TC.ColumnTile);

    /// <summary>
    /// Forward pass; stores the probabilities for the backward in <paramref name="probs"/>, or, when it is null
    /// (forward-only scoring), keeps each head's probabilities in a per-thread scratch that stays in cache.
    /// <paramref name="window"/> &gt; 0 limits each query to the last <paramref name="window"/> keys (itself included).
    /// <paramref name="positions"/> [B·T] (packed rows, null = 0 .. T − 1 per row): row i attends only to keys from
    /// i − positions[i] on, the start of its own document, so documents packed into one row do not see each other.
    /// <paramref name="bf16"/> runs the products on <see cref="Bf16CausalGemm"/> (bf16-mixed training; softmax stays fp32).
    /// </summary>
    public static void Forward(float* output, float* probs, float* qkv, int batch, int seqLen, int heads, int kvHeads, int headDim, int threads, int window = 0, int* positions = null, bool bf16 = false)
    {
        var a = new Args(output, probs, qkv, null, batch, seqLen, heads, kvHeads, headDim, window, positions);
        Par.ForEach(batch * heads, threads, &a, bf16 ? &ForwardTask<Bf16CausalGemm> : &ForwardTask<CausalGemm.Fp32>);
    }

    /// <summary>
    /// Backward pass. Writes (overwrites) the q, k and v gradients into dqkv [B·T, rowStride]. <paramref name="bf16"/>
    /// must be what the forward that wrote <paramref name="probs"/> used (the zeros past the diagonal follow its tiles).
    /// </summary>
    public static void Backward(float* dqkv, float* dOut, float* probs, float* qkv, int batch, int seqLen, int heads, int kvHeads, int headDim, int threads, bool bf16 = false)
    {
        // Each (b, g) task owns dK_g and dV_g rows of sequence b and dQ of its query heads: no write races,
        // and the accumulation order over heads is fixed.
        var a = new Args(dOut, probs, qkv, dqkv, batch, seqLen, heads, kvHeads, headDim);
        Par.ForEach(batch * kvHeads, threads, &a, bf16 ? &BackwardTask<Bf16CausalGemm> : &BackwardTask<CausalGemm.Fp32>);
    }

    private readonly struct Args(float* outOrDOut, float* probs, float* qkv, float* dqkv, int batch, int seqLen, int heads, int kvHeads, int headDim, int window = 0, int* positions = null)
    {
        public readonly float* Out = outOrDOut, Probs = probs, Qkv = qkv, Dqkv = dqkv;
        public readonly int* Positions = positions;
        public readonly int Batch = batch, T = seqLen, Heads = heads, KvHeads = kvHeads, HeadDim = headDim, Window = window;
        public readonly int QDim = heads * headDim, RowStride = (heads + 2 * kvHeads) * headDim, Group = heads / kvHeads;
        public readonly float Scale = 1f / MathF.Sqrt(headDim);
    }

    // One (sequence b, head h) of the packed batch.
    private static void ForwardTask<TC>(Args* a, int bh)
        where TC : ICausalProducts
    {
        int T = a->T, hd = a->HeadDim, rowStride = a->RowStride;
        int b = bh / a->Heads, h = bh % a->Heads, g = h / a->Group;
        float* q0 = a->Qkv + (long)b * T * rowStride + h * hd;
        float* k0 = a->Qkv + (long)b * T * rowStride + a->QDim + g * hd;
        float* p0 = a->Probs == null ? null : a->Probs + (long)bh * T * T;
        int* pos = a->Positions == null ? null : a->Positions + (long)b * T;
        ForwardHead<TC>(q0, rowStride, k0, k0 + a->KvHeads * hd, rowStride, a->Out + (long)b * T * a->QDim + h * hd, a->QDim, T, hd, a->Scale, a->Window, pos, p0);
    }

    /// <summary>
    /// One head of one sequence of <paramref name="T"/> tokens at positions 0 .. T − 1: S = scale·Q·Kᵀ on the causal
    /// tiles, row softmax over the keys query i sees (window and <paramref name="pos"/> as in <see cref="Forward"/>),
    /// O = P·V. Q, K, V and O are row-major with their own strides (the training graph's packed qkv rows, or an
    /// inference session's query rows and KV cache). <paramref name="probs"/> [T, T] keeps P; null uses a per-thread
    /// scratch. Runs on the calling thread.
    /// </summary>
    internal static void ForwardHead<TC>(float* q0, int qStride, float* k0, float* v0, int kvStride, float* o0, int oStride, int T, int hd, float scale, int window, int* pos, float* probs)
        where TC : ICausalProducts
    {
        long aLen = Aligned(TC.RowTile * (long)Math.Max(T, hd)), kPacked = Aligned(TC.PackedFloats(hd, T)), vPacked = Aligned(TC.PackedFloats(T, hd));
        float* aPanel = Scratch(aLen + kPacked + vPacked + (probs == null ? (long)T * T : 0));
        float* kp = aPanel + aLen, vp = kp + kPacked;
        float* p0 = probs == null ? vp + vPacked : probs;
        TC.Pack(true, k0, kvStride, hd, T, kp);  // Kᵀ [hd, T]
        TC.Pack(false, v0, kvStride, T, hd, vp); // V [T, hd]
        TC.Run(CausalPattern.LowerOutput, false, q0, qStride, T, T, hd, kp, scale, 0f, p0, T, aPanel);
        for (int i = 0; i < T; i++)
        {
            float* row = p0 + (long)i * T;
            // Keys before the window or before the query's own document get probability exactly 0.
            int lo = pos == null ? WindowStart(i, window) : Math.Max(WindowStart(i, window), i - pos[i]);
            SoftmaxRow(row + lo, i + 1 - lo);
            new Span<float>(row, lo).Clear();
            new Span<float>(row + i + 1, Width<TC>(i, T) - i - 1).Clear();
        }
        TC.Run(CausalPattern.PrefixK, false, p0, T, T, hd, T, vp, 1f, 0f, o0, oStride, aPanel);
    }

    // One (sequence b, kv head g) and its query heads in order.
    private static void BackwardTask<TC>(Args* a, int bg)
        where TC : ICausalProducts
    {
        int T = a->T, hd = a->HeadDim, rowStride = a->RowStride, qDim = a->QDim;
        int b = bg / a->KvHeads, g = bg % a->KvHeads;
        float* rowBase = a->Qkv + (long)b * T * rowStride;
        float* dRowBase = a->Dqkv + (long)b * T * rowStride;
        float* k0 = rowBase + qDim + g * hd, v0 = k0 + a->KvHeads * hd;
        float* dk0 = dRowBase + qDim + g * hd, dv0 = dk0 + a->KvHeads * hd;
        long aLen = Aligned(TC.RowTile * (long)Math.Max(T, hd));
        long nPacked = Aligned(TC.PackedFloats(T, hd)), tPacked = Aligned(TC.PackedFloats(hd, T));
        float* aPanel = Scratch(aLen + 3 * nPacked + tPacked + (long)T * T);
        float* kp = aPanel + aLen, qp = kp + nPacked, dop = qp + nPacked, vtp = dop + nPacked, dS = vtp + tPacked;
        TC.Pack(false, k0, rowStride, T, hd, kp);  // K [T, hd] for dQ = dS·K
        TC.Pack(true, v0, rowStride, hd, T, vtp);  // Vᵀ [hd, T] for dP = dO·Vᵀ
        for (int h = g * a->Group; h < (g + 1) * a->Group; h++)
        {
            float* q0 = rowBase + h * hd, dq0 = dRowBase + h * hd;
            float* dO0 = a->Out + (long)b * T * qDim + h * hd;
            float* p0 = a->Probs + ((long)b * a->Heads + h) * T * T;
            TC.Pack(false, q0, rowStride, T, hd, qp);  // Q [T, hd] for dK = dSᵀ·Q
            TC.Pack(false, dO0, qDim, T, hd, dop);     // dO [T, hd] for dV = Pᵀ·dO

            // dP = dO·Vᵀ on the causal tiles, then dS = scale · P ⊙ (dP − Σ_j P⊙dP) in place (0 above the diagonal).
            TC.Run(CausalPattern.LowerOutput, false, dO0, qDim, T, T, hd, vtp, 1f, 0f, dS, T, aPanel);
            for (int i = 0; i < T; i++)
            {
                SoftmaxGradRow(dS + (long)i * T, p0 + (long)i * T, i + 1, Width<TC>(i, T), a->Scale);
            }
            // dQ_h = dS·K (rows sum j ≤ i); dK += dSᵀ·Q and dV += Pᵀ·dO (rows j sum i ≥ j); the first head overwrites.
            float beta = h == g * a->Group ? 0f : 1f;
            TC.Run(CausalPattern.PrefixK, false, dS, T, T, hd, T, kp, 1f, 0f, dq0, rowStride, aPanel);
            TC.Run(CausalPattern.SuffixK, true, dS, T, T, hd, T, qp, 1f, beta, dk0, rowStride, aPanel);
            TC.Run(CausalPattern.SuffixK, true, p0, T, T, hd, T, dop, 1f, beta, dv0, rowStride, aPanel);
        }
    }

    /// <summary>Rounds a scratch length up to 16 floats, so every packed operand starts 64-byte aligned.</summary>
    private static long Aligned(long floats) => (floats + 15) & ~15L;

    /// <summary>First key query <paramref name="i"/> attends to: i − W + 1 with a window W &gt; 0 (clamped at 0), else 0.</summary>
    public static int WindowStart(int i, int window) => window > 0 ? Math.Max(0, i - window + 1) : 0;

    /// <summary>In place: row[0..n) ← softmax(row[0..n)) with the true max; 8 lanes at a time.</summary>
    internal static void SoftmaxRow(float* row, int n)
    {
        int j = 0;
        var vmax = Vector256.Create(float.NegativeInfinity);
        for (; j <= n - 8; j += 8)
        {
            vmax = Vector256.Max(vmax, Vector256.Load(row + j));
        }
        float max = n >= 8 ? Vec.HorizontalMax(vmax) : float.NegativeInfinity;
        for (; j < n; j++)
        {
            max = MathF.Max(max, row[j]);
        }
        var vm = Vector256.Create(max);
        var vsum = Vector256<float>.Zero;
        j = 0;
        for (; j <= n - 8; j += 8)
        {
            var e = Vector256.Exp(Vector256.Load(row + j) - vm);
            Vector256.Store(e, row + j);
            vsum += e;
        }
        float sum = Vector256.Sum(vsum);
        for (; j < n; j++)
        {
            float e = MathF.Exp(row[j] - max);
            row[j] = e;
            sum += e;
        }
        var inv = Vector256.Create(1f / sum);
        j = 0;
        for (; j <= n - 8; j += 8)
        {
            Vector256.Store(Vector256.Load(row + j) * inv, row + j);
        }
        for (; j < n; j++)
        {
            row[j] *= inv[0];
        }
    }

    /// <summary>
    /// In place: d[0..w) ← scale · p ⊙ (d − Σ_{j&lt;live} p⊙d), the softmax backward of one row whose
    /// probabilities are p (zero from <paramref name="live"/> on).
    /// </summary>
    internal static void SoftmaxGradRow(float* d, float* p, int live, int w, float scale)
    {
        float rowDot = Vec.Dot(p, d, live);
        var vdot = Vector256.Create(rowDot);
        var vs = Vector256.Create(scale);
        int j = 0;
        for (; j <= w - 8; j += 8)
        {
            Vector256.Store((Vector256.Load(d + j) - vdot) * Vector256.Load(p + j) * vs, d + j);
        }
        for (; j < w; j++)
        {
            d[j] = (d[j] - rowDot) * p[j] * scale;
        }
    }

    /// <summary>This thread's grow-only scratch (allocated once per thread, reused every step).</summary>
    private static float* Scratch(long floats)
    {
        if (t_scratch is null || t_scratch.Length < floats)
        {
            t_scratch?.Dispose();
            t_scratch = new NativeBuffer(floats);
        }
        return t_scratch.Ptr;
    }
}
