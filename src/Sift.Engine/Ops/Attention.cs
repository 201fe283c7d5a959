using System.Runtime.Intrinsics;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Tensors;

namespace Sift.Engine.Ops;

/// <summary>
/// Causal grouped-query self-attention over a packed qkv buffer, computed with causal GEMMs.
/// Shapes: qkv [B·T, QDim + 2·KvDim] (q | k | v per row, after RoPE), probs [B, H, T, T], out [B·T, QDim].
/// Query head h reads key/value head h / GroupSize.
/// Forward: S = q·kᵀ/√hd (j ≤ i), P = softmax(S), O = P·V.
/// Backward: dV = Pᵀ·dO; dP = dO·Vᵀ; dS = P ⊙ (dP − Σ_j dP⊙P); dQ = dS·K/√hd; dK = dSᵀ·Q/√hd,
/// with dK, dV summed over the query heads that share a kv head.
/// </summary>
/// <remarks>
/// Every product runs through <see cref="CausalGemm"/> on 6-row panels: only the tiles on or below the
/// diagonal are computed (about half of T×T plus the diagonal tiles), and the right-hand operands (K, V, Q, dO)
/// are packed once per task. Row i of P is stored over [0, <see cref="Width"/>(i)) with exact zeros above the
/// diagonal, which is what the diagonal panels of the next products read. A task is one (sequence, head) in
/// the forward and one (sequence, kv head) in the backward; it runs on one thread and owns its outputs, so
/// results do not depend on the thread count or scheduling. <see cref="AttentionReference"/> is the scalar
/// reference the tests compare against.
/// </remarks>
public static unsafe class Attention
{
    [ThreadStatic] private static NativeBuffer? t_scratch;

    /// <summary>Columns of probability row i that are written (the causal tiles reach this far).</summary>
    public static int Width(int i, int seqLen) =>
        Math.Min(seqLen, (i / ManagedGemm.MR * ManagedGemm.MR + ManagedGemm.MR + ManagedGemm.NR - 1) / ManagedGemm.NR * ManagedGemm.NR);

    /// <summary>Forward pass; stores the probabilities for the backward.</summary>
    public static void Forward(float* output, float* probs, float* qkv, int batch, int seqLen, int heads, int kvHeads, int headDim, int threads)
    {
        int qDim = heads * headDim, rowStride = qDim + 2 * kvHeads * headDim, group = heads / kvHeads;
        float scale = 1f / MathF.Sqrt(headDim);
        int T = seqLen;
        long kPacked = CausalGemm.PackedLength(headDim, T), vPacked = CausalGemm.PackedLength(T, headDim);
        Par.ForEach(batch * heads, threads, bh =>
        {
            int b = bh / heads, h = bh % heads, g = h / group;
            float* q0 = qkv + (long)b * T * rowStride + h * headDim;
            float* k0 = qkv + (long)b * T * rowStride + qDim + g * headDim;
            float* v0 = k0 + kvHeads * headDim;
            float* p0 = probs + (long)bh * T * T;
            float* o0 = output + (long)b * T * qDim + h * headDim;
            float* aPanel = Scratch(ManagedGemm.MR * (long)Math.Max(T, headDim) + kPacked + vPacked);
            float* kp = aPanel + ManagedGemm.MR * (long)Math.Max(T, headDim), vp = kp + kPacked;
            CausalGemm.PackB(true, k0, rowStride, headDim, T, kp);  // Kᵀ [hd, T]
            CausalGemm.PackB(false, v0, rowStride, T, headDim, vp); // V [T, hd]

            // S = scale · Q·Kᵀ on the causal tiles, then a softmax over j ≤ i per row.
            CausalGemm.Multiply(CausalPattern.LowerOutput, false, q0, rowStride, T, T, headDim, kp, scale, 0f, p0, T, aPanel);
            for (int i = 0; i < T; i++)
            {
                float* row = p0 + (long)i * T;
                SoftmaxRow(row, i + 1);
                new Span<float>(row + i + 1, Width(i, T) - i - 1).Clear();
            }
            // O = P·V, row i summing j ≤ i.
            CausalGemm.Multiply(CausalPattern.PrefixK, false, p0, T, T, headDim, T, vp, 1f, 0f, o0, qDim, aPanel);
        });
    }

    /// <summary>Backward pass. Writes (overwrites) the q, k and v gradients into dqkv [B·T, rowStride].</summary>
    public static void Backward(float* dqkv, float* dOut, float* probs, float* qkv, int batch, int seqLen, int heads, int kvHeads, int headDim, int threads)
    {
        int qDim = heads * headDim, rowStride = qDim + 2 * kvHeads * headDim, group = heads / kvHeads;
        float scale = 1f / MathF.Sqrt(headDim);
        int T = seqLen;
        long nPacked = CausalGemm.PackedLength(T, headDim), tPacked = CausalGemm.PackedLength(headDim, T);
        // Each (b, g) task owns dK_g and dV_g rows of sequence b and dQ of its query heads: no write races,
        // and the accumulation order over heads is fixed.
        Par.ForEach(batch * kvHeads, threads, bg =>
        {
            int b = bg / kvHeads, g = bg % kvHeads;
            float* rowBase = qkv + (long)b * T * rowStride;
            float* dRowBase = dqkv + (long)b * T * rowStride;
            float* k0 = rowBase + qDim + g * headDim, v0 = k0 + kvHeads * headDim;
            float* dk0 = dRowBase + qDim + g * headDim, dv0 = dk0 + kvHeads * headDim;
            long aLen = ManagedGemm.MR * (long)Math.Max(T, headDim);
            float* aPanel = Scratch(aLen + 3 * nPacked + tPacked + (long)T * T);
            float* kp = aPanel + aLen, qp = kp + nPacked, dop = qp + nPacked, vtp = dop + nPacked, dS = vtp + tPacked;
            CausalGemm.PackB(false, k0, rowStride, T, headDim, kp);  // K [T, hd] for dQ = dS·K
            CausalGemm.PackB(true, v0, rowStride, headDim, T, vtp);  // Vᵀ [hd, T] for dP = dO·Vᵀ
            for (int h = g * group; h < (g + 1) * group; h++)
            {
                float* q0 = rowBase + h * headDim, dq0 = dRowBase + h * headDim;
                float* dO0 = dOut + (long)b * T * qDim + h * headDim;
                float* p0 = probs + ((long)b * heads + h) * T * T;
                CausalGemm.PackB(false, q0, rowStride, T, headDim, qp);  // Q [T, hd] for dK = dSᵀ·Q
                CausalGemm.PackB(false, dO0, qDim, T, headDim, dop);     // dO [T, hd] for dV = Pᵀ·dO

                // dP = dO·Vᵀ on the causal tiles, then dS = scale · P ⊙ (dP − Σ_j P⊙dP) in place (0 above the diagonal).
                CausalGemm.Multiply(CausalPattern.LowerOutput, false, dO0, qDim, T, T, headDim, vtp, 1f, 0f, dS, T, aPanel);
                for (int i = 0; i < T; i++)
                {
                    SoftmaxGradRow(dS + (long)i * T, p0 + (long)i * T, i + 1, Width(i, T), scale);
                }
                // dQ_h = dS·K (rows sum j ≤ i); dK += dSᵀ·Q and dV += Pᵀ·dO (rows j sum i ≥ j).
                CausalGemm.Multiply(CausalPattern.PrefixK, false, dS, T, T, headDim, T, kp, 1f, 0f, dq0, rowStride, aPanel);
                bool first = h == g * group;
                CausalGemm.Multiply(CausalPattern.SuffixK, true, dS, T, T, headDim, T, qp, 1f, first ? 0f : 1f, dk0, rowStride, aPanel);
                CausalGemm.Multiply(CausalPattern.SuffixK, true, p0, T, T, headDim, T, dop, 1f, first ? 0f : 1f, dv0, rowStride, aPanel);
            }
        });
    }

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
