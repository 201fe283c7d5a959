using Sift.Engine.Model;

namespace Sift.Pipelines.Demo;

/// <summary>
/// Floating-point operations per token of a Llama model (PaLM / llama2.c convention, selective-lm.md §7):
/// training = 6·N + 12·L·T·q, forward only = 2·N + 4·L·T·q, where N counts the matrix weights a token
/// multiplies through (every projection plus the head; the embedding lookup is free, and a tied
/// embedding/head matrix counts once as the head), L is the layer count, T the window and q the query
/// width. The attention term counts the full T×T score matrix (no causal halving), as the convention does.
/// Norms, RoPE, softmax and the optimizer are left out (under 2% at these sizes).
/// </summary>
internal static class FlopCount
{
    /// <summary>Weights a token multiplies through: the decoder projections plus the head.</summary>
    public static long MatmulParameters(LlamaConfig c)
    {
        long d = c.HiddenSize;
        long perLayer = d * c.QDim + 2 * d * c.KvDim + (long)c.QDim * d + 3 * d * c.IntermediateSize;
        return c.NumHiddenLayers * perLayer + (long)c.VocabSize * d;
    }

    /// <summary>FLOPs of one training token (forward and backward) with windows of <paramref name="seqLen"/>.</summary>
    public static double TrainPerToken(LlamaConfig c, int seqLen) =>
        6.0 * MatmulParameters(c) + 12.0 * c.NumHiddenLayers * seqLen * c.QDim;

    /// <summary>FLOPs of one forward-only token (scoring, evaluation losses).</summary>
    public static double ForwardPerToken(LlamaConfig c, int seqLen) =>
        2.0 * MatmulParameters(c) + 4.0 * c.NumHiddenLayers * seqLen * c.QDim;
}
