namespace Sift.Engine.Model;

/// <summary>
/// Matrix-multiply FLOP counts per token, the convention of PaLM (Chowdhery et al. 2022, appendix B) and
/// llama2.c's <c>estimate_mfu</c>: training = 6·N + 12·L·T·q, forward = 2·N + 4·L·T·q, where N counts the
/// weights that take part in a matmul (every projection and the LM head, not the embedding lookup), L is
/// the layer count, T the sequence length and q = heads·head_dim. The attention term counts the full T×T
/// score and value products (as the convention does), although a causal kernel needs only about half.
/// Element-wise work (norms, RoPE, softmax, SwiGLU, cross-entropy, AdamW) is not counted.
/// </summary>
public static class ModelFlops
{
    /// <summary>N: weights multiplied per token (q, k, v, o, gate, up, down per layer, plus the LM or score head).</summary>
    public static long MatmulParameters(LlamaConfig c)
    {
        long d = c.HiddenSize, f = c.IntermediateSize;
        long perLayer = d * (c.QDim + 2L * c.KvDim) + (long)c.QDim * d + 3 * d * f;
        return c.NumHiddenLayers * perLayer + (long)c.HeadWidth * d;
    }

    /// <summary>Forward FLOPs per token at sequence length <paramref name="seqLen"/>: 2·N + 4·L·T·q.</summary>
    public static double ForwardPerToken(LlamaConfig c, int seqLen) =>
        2.0 * MatmulParameters(c) + 4.0 * c.NumHiddenLayers * seqLen * c.QDim;

    /// <summary>Training (forward + backward) FLOPs per token: 6·N + 12·L·T·q.</summary>
    public static double TrainPerToken(LlamaConfig c, int seqLen) => 3 * ForwardPerToken(c, seqLen);
}
