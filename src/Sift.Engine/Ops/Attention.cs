using System.Numerics.Tensors;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Tensors;

namespace Sift.Engine.Ops;

/// <summary>
/// Causal grouped-query self-attention over a packed qkv buffer, computed with GEMMs over causal row blocks.
/// Shapes: qkv [B·T, QDim + 2·KvDim] (q | k | v per row, after RoPE), probs [B, H, T, T], out [B·T, QDim].
/// Query head h reads key/value head h / GroupSize.
/// Forward: S = q·kᵀ/√hd (j ≤ i), P = softmax(S), O = P·V.
/// Backward: dV = Pᵀ·dO; dP = dO·Vᵀ; dS = P ⊙ (dP − Σ_j dP⊙P); dQ = dS·K/√hd; dK = dSᵀ·Q/√hd,
/// with dK, dV summed over the query heads that share a kv head.
/// </summary>
/// <remarks>
/// Rows are processed in blocks of <see cref="RowBlock"/>; block r only multiplies against keys
/// [0, end of block r), so the masked upper triangle is skipped except inside diagonal blocks (about 59% of
/// the full T×T work at T = 256). P is stored with exact zeros above the diagonal, so the diagonal blocks
/// need no masking in the backward. Every (sequence, head) or (sequence, kv head) task runs single-threaded
/// GEMMs (<see cref="ManagedGemm.SgemmSerial"/>) and owns its outputs, so results do not depend on the
/// thread count or scheduling. <see cref="AttentionReference"/> is the scalar reference.
/// </remarks>
public static unsafe class Attention
{
    /// <summary>Query rows per causal block (a multiple of the GEMM tile's 6 rows and 16 columns).</summary>
    public const int RowBlock = 48;

    [ThreadStatic] private static NativeBuffer? t_scratch;

    /// <summary>Forward pass; stores the probabilities for the backward.</summary>
    public static void Forward(float* output, float* probs, float* qkv, int batch, int seqLen, int heads, int kvHeads, int headDim, int threads)
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
            float* p0 = probs + (long)bh * T * T;
            float* o0 = output + (long)b * T * qDim + h * headDim;
            for (int i0 = 0; i0 < T; i0 += RowBlock)
            {
                int rows = Math.Min(RowBlock, T - i0), cols = i0 + rows;
                float* pBlk = p0 + (long)i0 * T;
                // S[rows, cols] = scale · Q_blk · K[0:cols]ᵀ
                ManagedGemm.SgemmSerial(false, true, rows, cols, headDim, scale, q0 + (long)i0 * rowStride, rowStride,
                    k0, rowStride, 0f, pBlk, T);
                for (int r = 0; r < rows; r++)
                {
                    int i = i0 + r;
                    var live = new Span<float>(pBlk + (long)r * T, i + 1);
                    float max = TensorPrimitives.Max<float>(live);
                    TensorPrimitives.Subtract(live, max, live);
                    TensorPrimitives.Exp(live, live);
                    float sum = TensorPrimitives.Sum<float>(live);
                    TensorPrimitives.Multiply(live, 1f / sum, live);
                    new Span<float>(pBlk + (long)r * T + i + 1, cols - i - 1).Clear();
                }
                // O_blk[rows, hd] = P_blk[rows, 0:cols] · V[0:cols]
                ManagedGemm.SgemmSerial(false, false, rows, headDim, cols, 1f, pBlk, T, v0, rowStride, 0f,
                    o0 + (long)i0 * qDim, qDim);
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
        // and the accumulation order over heads and blocks is fixed.
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
            float* dS = Scratch((long)RowBlock * T);
            for (int h = g * group; h < (g + 1) * group; h++)
            {
                float* q0 = rowBase + h * headDim, dq0 = dRowBase + h * headDim;
                float* dO0 = dOut + (long)b * T * qDim + h * headDim;
                float* p0 = probs + ((long)b * heads + h) * T * T;
                for (int i0 = 0; i0 < T; i0 += RowBlock)
                {
                    int rows = Math.Min(RowBlock, T - i0), cols = i0 + rows;
                    float* pBlk = p0 + (long)i0 * T, dOBlk = dO0 + (long)i0 * qDim, qBlk = q0 + (long)i0 * rowStride;
                    // dP[rows, cols] = dO_blk · V[0:cols]ᵀ (into the dS scratch, row stride cols)
                    ManagedGemm.SgemmSerial(false, true, rows, cols, headDim, 1f, dOBlk, qDim, v0, rowStride, 0f, dS, cols);
                    // dS = scale · P ⊙ (dP − Σ_j P⊙dP); P is exactly 0 above the diagonal, so dS is too.
                    for (int r = 0; r < rows; r++)
                    {
                        var p = new ReadOnlySpan<float>(pBlk + (long)r * T, cols);
                        var d = new Span<float>(dS + (long)r * cols, cols);
                        float rowDot = TensorPrimitives.Dot(p[..(i0 + r + 1)], d[..(i0 + r + 1)]);
                        TensorPrimitives.Subtract(d, rowDot, d);
                        TensorPrimitives.Multiply(d, p, d);
                        TensorPrimitives.Multiply(d, scale, d);
                    }
                    // dQ_blk = dS · K[0:cols]
                    ManagedGemm.SgemmSerial(false, false, rows, headDim, cols, 1f, dS, cols, k0, rowStride, 0f,
                        dq0 + (long)i0 * rowStride, rowStride);
                    // dK[0:cols] += dSᵀ · Q_blk; dV[0:cols] += P_blkᵀ · dO_blk
                    ManagedGemm.SgemmSerial(true, false, cols, headDim, rows, 1f, dS, cols, qBlk, rowStride, 1f, dk0, rowStride);
                    ManagedGemm.SgemmSerial(true, false, cols, headDim, rows, 1f, pBlk, T, dOBlk, qDim, 1f, dv0, rowStride);
                }
            }
        });
    }

    /// <summary>This thread's grow-only scratch buffer (allocated once per thread, reused every step).</summary>
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
