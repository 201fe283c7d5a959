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
        CheckTargets(targets, n, vocab);
        fixed (int* tp = targets)
        {
            var a = new Args { Losses = losses, Logits = logits, Targets = tp, Vocab = vocab };
            Par.For(n, threads, &a, &ForwardRows);
        }
    }

    private static void CheckTargets(ReadOnlySpan<int> targets, int n, int vocab)
    {
        for (int i = 0; i < n; i++)
        {
            int t = targets[i];
            if (t != IgnoreIndex && (uint)t >= (uint)vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), $"target id {t} at position {i} is outside the vocabulary (0..{vocab - 1})");
            }
        }
    }

    private struct Args
    {
        public float* Losses, Logits, Weights;
        public int* Targets;
        public int Vocab;
    }

    private static void ForwardRows(Args* a, int s, int e)
    {
        for (int i = s; i < e; i++)
        {
            a->Losses[i] = SoftmaxRow(a->Logits + (long)i * a->Vocab, a->Vocab, a->Targets[i]);
        }
    }

    private static void BackwardRows(Args* a, int s, int e)
    {
        int vocab = a->Vocab;
        for (int i = s; i < e; i++)
        {
            var row = new Span<float>(a->Logits + (long)i * vocab, vocab);
            float w = a->Weights[i];
            if (w == 0)
            {
                row.Clear();
                continue;
            }
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, w, row);
            row[a->Targets[i]] -= w;
        }
    }

    /// <summary>
    /// Forward-only: writes losses[n] (0 for ignored targets) and leaves the logits as they are, skipping the
    /// probabilities a backward would need. Same checks as <see cref="Forward"/>.
    /// </summary>
    public static void Losses(float* losses, float* logits, ReadOnlySpan<int> targets, int n, int vocab, int threads)
    {
        CheckTargets(targets, n, vocab);
        fixed (int* tp = targets)
        {
            var a = new Args { Losses = losses, Logits = logits, Targets = tp, Vocab = vocab };
            Par.For(n, threads, &a, &LossRows);
        }
    }

    private static void LossRows(Args* a, int s, int e)
    {
        int vocab = a->Vocab;
        for (int i = s; i < e; i++)
        {
            int t = a->Targets[i];
            float* row = a->Logits + (long)i * vocab;
            if (t == IgnoreIndex)
            {
                a->Losses[i] = 0;
                continue;
            }
            a->Losses[i] = RowLogSoftmax.Loss(row, vocab, t);
        }
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
            var a = new Args { Logits = probsToGrad, Weights = wp, Targets = tp, Vocab = vocab };
            Par.For(n, threads, &a, &BackwardRows);
        }
    }

    // Softmax of one row in place (three 8-lane passes: max, exp with the sum, scale); returns −log p(target).
    private static float SoftmaxRow(float* row, int vocab, int target)
    {
        float zt = target == IgnoreIndex ? 0 : row[target]; // read before the row is overwritten
        double sum = RowLogSoftmax.SumExpShifted(row, vocab, out float max, exps: row);
        zt -= max;
        System.Numerics.Tensors.TensorPrimitives.Multiply(new ReadOnlySpan<float>(row, vocab), (float)(1.0 / sum), new Span<float>(row, vocab));
        return target == IgnoreIndex ? 0f : (float)(Math.Log(sum) - zt);
    }
}
