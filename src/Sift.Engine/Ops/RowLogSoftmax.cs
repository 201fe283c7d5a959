using System.Runtime.Intrinsics;
using Sift.Engine.Kernels.Cpu;

namespace Sift.Engine.Ops;

/// <summary>
/// The one log-softmax of a logits row, shared by the training loss, corpus and JSONL scoring, the held-out probe,
/// decoding logprobs and the server's prompt and completion logprobs, so that every loss or logprob Sift reports
/// for the same row is the same float (in one process: the vector width is fixed at start-up). Sum of exp(z − max) in
/// two float accumulators of 16 lanes (AVX-512) or 8 (AVX2), the tail and the total in double; loss = log Σ − (z_y − max).
/// </summary>
public static unsafe class RowLogSoftmax
{
    /// <summary>
    /// Σ_j exp(row_j − max) and the row max. With <paramref name="exps"/> non-null, exp(row_j − max) is also
    /// written there (it may be <paramref name="row"/> itself: the training forward keeps the exponentials).
    /// </summary>
    public static double SumExpShifted(float* row, int vocab, out float max, float* exps = null) =>
        SumExpShifted(row, vocab, out max, exps, SimdPath.Width);

    /// <summary>The same at a given vector width (16 or 8 lanes, or scalar); tests run each.</summary>
    internal static double SumExpShifted(float* row, int vocab, out float max, float* exps, SimdWidth width)
    {
        max = System.Numerics.Tensors.TensorPrimitives.Max(new ReadOnlySpan<float>(row, vocab));
        int j = 0;
        double sum = 0;
        if (width == SimdWidth.V512)
        {
            var vm = Vector512.Create(max);
            Vector512<float> s0 = default, s1 = default;
            for (; j <= vocab - 32; j += 32)
            {
                var e0 = Vector512.Exp(Vector512.Load(row + j) - vm);
                var e1 = Vector512.Exp(Vector512.Load(row + j + 16) - vm);
                if (exps != null)
                {
                    Vector512.Store(e0, exps + j);
                    Vector512.Store(e1, exps + j + 16);
                }
                s0 += e0;
                s1 += e1;
            }
            sum = Vector512.Sum(s0 + s1);
        }
        else if (width == SimdWidth.V256)
        {
            var vm = Vector256.Create(max);
            Vector256<float> s0 = default, s1 = default;
            for (; j <= vocab - 16; j += 16)
            {
                var e0 = Vector256.Exp(Vector256.Load(row + j) - vm);
                var e1 = Vector256.Exp(Vector256.Load(row + j + 8) - vm);
                if (exps != null)
                {
                    Vector256.Store(e0, exps + j);
                    Vector256.Store(e1, exps + j + 8);
                }
                s0 += e0;
                s1 += e1;
            }
            sum = Vector256.Sum(s0 + s1);
        }
        for (; j < vocab; j++)
        {
            float e = MathF.Exp(row[j] - max);
            if (exps != null)
            {
                exps[j] = e;
            }
            sum += e;
        }
        return sum;
    }

    /// <summary>−log p(target) of a row (the row is not modified).</summary>
    public static float Loss(float* row, int vocab, int target)
    {
        double sum = SumExpShifted(row, vocab, out float max);
        return (float)(Math.Log(sum) - (row[target] - max));
    }

    /// <summary>−log p(target) of a row.</summary>
    public static float Loss(ReadOnlySpan<float> row, int target)
    {
        fixed (float* p = row)
        {
            return Loss(p, row.Length, target);
        }
    }

    /// <summary>log p(target): exactly −<see cref="Loss(ReadOnlySpan{float}, int)"/>.</summary>
    public static float LogProb(ReadOnlySpan<float> row, int target) => -Loss(row, target);

    /// <summary>log Σ_j exp(row_j), for logprobs of many ids of one row (z_j − this).</summary>
    public static float LogSumExp(ReadOnlySpan<float> row)
    {
        fixed (float* p = row)
        {
            double sum = SumExpShifted(p, row.Length, out float max);
            return (float)(Math.Log(sum) + max);
        }
    }
}
