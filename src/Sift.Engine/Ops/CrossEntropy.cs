using Sift.Engine.Kernels;

namespace Sift.Engine.Ops;

/// <summary>
/// Fused softmax + cross-entropy over logits rows. The forward returns the per-token loss
/// (logsumexp(z) − z_y with the true row max) and leaves the softmax probabilities in place of the logits;
/// the backward takes a per-token weight vector as the seed: dz_i = w_i·(p_i − onehot(y_i)).
/// Plain LM training (w = 1/n), selective training (w = mask/k), answer-only SFT and padding are all
/// just different weights.
/// </summary>
public static unsafe class CrossEntropy
{
    /// <summary>Target id that marks a position with no loss (padding).</summary>
    public const int IgnoreIndex = -1;

    /// <summary>
    /// Converts logits[n,V] to probabilities in place and writes losses[n]
    /// (0 for ignored targets). Target ids outside [0, V) other than IgnoreIndex throw.
    /// </summary>
    public static void Forward(float* losses, float* logits, ReadOnlySpan<int> targets, int n, int vocab, int threads)
    {
        for (int i = 0; i < n; i++)
        {
            int t = targets[i];
            if (t != IgnoreIndex && (uint)t >= (uint)vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), $"target id {t} at position {i} is outside the vocabulary (0..{vocab - 1})");
            }
        }
        fixed (int* tp = targets)
        {
            int* tptr = tp;
            Par.For(n, threads, (s, e) =>
            {
                for (int i = s; i < e; i++)
                {
                    losses[i] = SoftmaxRow(logits + (long)i * vocab, vocab, tptr[i]);
                }
            });
        }
    }

    /// <summary>Loss of one row without modifying the logits (used by scoring and the decoder).</summary>
    public static float RowLoss(float* logits, int vocab, int target)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < vocab; j++)
        {
            max = MathF.Max(max, logits[j]);
        }
        double sum = 0;
        for (int j = 0; j < vocab; j++)
        {
            sum += MathF.Exp(logits[j] - max);
        }
        return (float)(Math.Log(sum) + max - logits[target]);
    }

    /// <summary>
    /// Turns the probabilities left by <see cref="Forward"/> into dlogits in place, scaled by weights[i].
    /// Rows with weight 0 become all-zero rows.
    /// </summary>
    public static void Backward(float* probsToGrad, ReadOnlySpan<float> weights, ReadOnlySpan<int> targets, int n, int vocab, int threads)
    {
        for (int i = 0; i < n; i++)
        {
            if (targets[i] == IgnoreIndex && weights[i] != 0)
            {
                throw new ArgumentException($"position {i} has an ignored target but weight {weights[i]}", nameof(weights));
            }
        }
        fixed (float* wp = weights)
        fixed (int* tp = targets)
        {
            float* wptr = wp;
            int* tptr = tp;
            Par.For(n, threads, (s, e) =>
            {
                for (int i = s; i < e; i++)
                {
                    float* row = probsToGrad + (long)i * vocab;
                    float w = wptr[i];
                    if (w == 0)
                    {
                        new Span<float>(row, vocab).Clear();
                        continue;
                    }
                    var span = new Span<float>(row, vocab);
                    System.Numerics.Tensors.TensorPrimitives.Multiply(span, w, span);
                    row[tptr[i]] -= w;
                }
            });
        }
    }

    private static float SoftmaxRow(float* row, int vocab, int target)
    {
        var span = new Span<float>(row, vocab);
        float max = System.Numerics.Tensors.TensorPrimitives.Max((ReadOnlySpan<float>)span);
        System.Numerics.Tensors.TensorPrimitives.Subtract(span, max, span);
        float zt = target == IgnoreIndex ? 0 : row[target];
        System.Numerics.Tensors.TensorPrimitives.Exp(span, span);
        double sum = 0;
        for (int j = 0; j < vocab; j++)
        {
            sum += row[j];
        }
        float inv = (float)(1.0 / sum);
        System.Numerics.Tensors.TensorPrimitives.Multiply(span, inv, span);
        return target == IgnoreIndex ? 0f : (float)(Math.Log(sum) - zt);
    }
}
