using Sift.Engine.Kernels;

namespace Sift.Engine.Ops;

/// <summary>
/// The straightforward reference of <see cref="Attention"/> (one dot product or axpy per score): same
/// contract, used by tests to check the GEMM-based kernels.
/// Causal grouped-query self-attention over a packed qkv buffer.
/// Shapes: qkv [B·T, QDim + 2·KvDim] (q | k | v per row, after RoPE), probs [B, H, T, T], out [B·T, QDim].
/// Query head h reads key/value head h / GroupSize.
/// Forward: S = q·kᵀ/√hd (j ≤ i), P = softmax(S), O = P·V.
/// Backward: dV = Pᵀ·dO; dP = dO·Vᵀ; dS = P ⊙ (dP − Σ_j dP⊙P); dQ = dS·K/√hd; dK = dSᵀ·Q/√hd,
/// with dK, dV summed over the query heads that share a kv head.
/// </summary>
public static unsafe class AttentionReference
{
    /// <summary>Forward pass; stores the probabilities for the backward (0 outside the window when <paramref name="window"/> &gt; 0).</summary>
    public static void Forward(float* output, float* probs, float* qkv, int batch, int seqLen, int heads, int kvHeads, int headDim, int threads, int window = 0)
    {
        int qDim = heads * headDim, rowStride = qDim + 2 * kvHeads * headDim, group = heads / kvHeads;
        float scale = 1f / MathF.Sqrt(headDim);
        int T = seqLen;
        Par.ForEach(batch * heads, threads, bh =>
        {
            int b = bh / heads, h = bh % heads, g = h / group;
            float* q0 = qkv + (long)b * T * rowStride + h * headDim;
            float* k0 = qkv + (long)b * T * rowStride + qDim + g * headDim;
            float* v0 = k0 + kvHeads * headDim;
            float* pBase = probs + (long)bh * T * T;
            for (int i = 0; i < T; i++)
            {
                float* qi = q0 + (long)i * rowStride;
                float* row = pBase + (long)i * T;
                int lo = window > 0 ? Math.Max(0, i - window + 1) : 0;
                new Span<float>(row, lo).Clear();
                float max = float.NegativeInfinity;
                for (int j = lo; j <= i; j++)
                {
                    float s = Vec.Dot(qi, k0 + (long)j * rowStride, headDim) * scale;
                    row[j] = s;
                    if (s > max)
                    {
                        max = s;
                    }
                }
                float sum = 0;
                for (int j = lo; j <= i; j++)
                {
                    float ex = MathF.Exp(row[j] - max);
                    row[j] = ex;
                    sum += ex;
                }
                float inv = 1f / sum;
                float* oi = output + ((long)b * T + i) * qDim + h * headDim;
                new Span<float>(oi, headDim).Clear();
                for (int j = lo; j <= i; j++)
                {
                    row[j] *= inv;
                    Vec.Axpy(oi, row[j], v0 + (long)j * rowStride, headDim);
                }
                new Span<float>(row + i + 1, T - i - 1).Clear();
            }
        });
    }

    /// <summary>Backward pass. Writes (overwrites) the q, k and v gradients into dqkv [B·T, rowStride].</summary>
    public static void Backward(float* dqkv, float* dOut, float* probs, float* qkv, int batch, int seqLen, int heads, int kvHeads, int headDim, int threads)
    {
        int qDim = heads * headDim, rowStride = qDim + 2 * kvHeads * headDim, group = heads / kvHeads;
        float scale = 1f / MathF.Sqrt(headDim);
        int T = seqLen;
        // Each (b, g) task owns dK_g and dV_g rows of sequence b and dQ of its query heads: no write races,
        // and the accumulation order over heads is fixed.
        Par.ForEach(batch * kvHeads, threads, bg =>
        {
            int b = bg / kvHeads, g = bg % kvHeads;
            float* rowBase = qkv + (long)b * T * rowStride;
            float* dRowBase = dqkv + (long)b * T * rowStride;
            float* k0 = rowBase + qDim + g * headDim, v0 = k0 + kvHeads * headDim;
            float* dk0 = dRowBase + qDim + g * headDim, dv0 = dk0 + kvHeads * headDim;
            for (int t = 0; t < T; t++)
            {
                new Span<float>(dk0 + (long)t * rowStride, headDim).Clear();
                new Span<float>(dv0 + (long)t * rowStride, headDim).Clear();
            }
            float* dp = stackalloc float[T];
            {
                for (int h = g * group; h < (g + 1) * group; h++)
                {
                    float* q0 = rowBase + h * headDim, dq0 = dRowBase + h * headDim;
                    float* pBase = probs + ((long)b * heads + h) * T * T;
                    for (int i = 0; i < T; i++)
                    {
                        float* doi = dOut + ((long)b * T + i) * qDim + h * headDim;
                        float* pi = pBase + (long)i * T;
                        float* qi = q0 + (long)i * rowStride, dqi = dq0 + (long)i * rowStride;
                        new Span<float>(dqi, headDim).Clear();
                        float rowDot = 0;
                        for (int j = 0; j <= i; j++)
                        {
                            float d = Vec.Dot(doi, v0 + (long)j * rowStride, headDim);
                            dp[j] = d;
                            rowDot += d * pi[j];
                            Vec.Axpy(dv0 + (long)j * rowStride, pi[j], doi, headDim);
                        }
                        for (int j = 0; j <= i; j++)
                        {
                            float ds = pi[j] * (dp[j] - rowDot) * scale;
                            if (ds != 0)
                            {
                                Vec.Axpy(dqi, ds, k0 + (long)j * rowStride, headDim);
                                Vec.Axpy(dk0 + (long)j * rowStride, ds, qi, headDim);
                            }
                        }
                    }
                }
            }
        });
    }
}
