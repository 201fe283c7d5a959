using System.Runtime.Intrinsics;
using Sift.Core.Random;
using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Ops;

namespace Sift.Engine.Tests.Ops;

/// <summary>
/// The one row log-softmax: every caller (training forward, forward-only losses) gives the same float, and the
/// function reproduces the loss the training forward computed before it was factored out.
/// </summary>
public sealed unsafe class RowLogSoftmaxTests
{
    // The training forward's loss as written before RowLogSoftmax existed (CrossEntropy's loss rows), kept as the pin
    // of the 8-lane path.
    private static float PinnedLoss256(float* row, int vocab, int t)
    {
        float max = System.Numerics.Tensors.TensorPrimitives.Max(new ReadOnlySpan<float>(row, vocab));
        var vm = Vector256.Create(max);
        Vector256<float> s0 = default, s1 = default;
        int j = 0;
        for (; j <= vocab - 16; j += 16)
        {
            s0 += Vector256.Exp(Vector256.Load(row + j) - vm);
            s1 += Vector256.Exp(Vector256.Load(row + j + 8) - vm);
        }
        double sum = Vector256.Sum(s0 + s1);
        for (; j < vocab; j++)
        {
            sum += MathF.Exp(row[j] - max);
        }
        return (float)(Math.Log(sum) - (row[t] - max));
    }

    // The loss at one forced width, through the width-taking sum.
    private static float LossAt(float* row, int vocab, int t, SimdWidth width)
    {
        double sum = RowLogSoftmax.SumExpShifted(row, vocab, out float max, null, width);
        return (float)(Math.Log(sum) - (row[t] - max));
    }

    /// <summary>The 8-lane path is bit for bit the pinned pre-refactor loss; the 16-lane and scalar paths agree with a double-precision reference.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(37)]
    [InlineData(32003)]
    public void EachWidth_PinnedOrWithinRounding(int vocab)
    {
        var rng = new Rng((ulong)vocab + 99);
        float[] logits = GradCheck.RandomArray(rng, vocab, 8);
        int t = vocab / 3;
        fixed (float* l = logits)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(PinnedLoss256(l, vocab, t)), BitConverter.SingleToInt32Bits(LossAt(l, vocab, t, SimdWidth.V256)));
            double max = logits.Max();
            double exact = Math.Log(logits.Sum(v => Math.Exp(v - max))) - (logits[t] - max);
            foreach (var width in new[] { SimdWidth.Scalar, SimdWidth.V256, SimdWidth.V512 })
            {
                Assert.True(Math.Abs(LossAt(l, vocab, t, width) - exact) <= 2e-6 * (1 + Math.Abs(exact)), $"{width}: {LossAt(l, vocab, t, width)} vs {exact}");
            }
            var exps = new float[vocab];
            fixed (float* e = exps)
            {
                RowLogSoftmax.SumExpShifted(l, vocab, out _, e, SimdWidth.V512);
            }
            for (int j = 0; j < vocab; j++)
            {
                Assert.Equal(Math.Exp(logits[j] - max), exps[j], 5);
            }
        }
    }

    /// <summary>Every caller (training forward, forward-only losses, the function) gives the same float at the process's width.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(1024)]
    [InlineData(32003)]
    public void EveryPath_GivesTheSameLoss_BitForBit(int vocab)
    {
        var rng = new Rng((ulong)vocab);
        const int n = 5;
        float[] logits = GradCheck.RandomArray(rng, n * vocab, 8);
        int[] targets = Enumerable.Range(0, n).Select(i => (i * 7919) % vocab).ToArray();
        float[] viaForward = new float[n], viaLosses = new float[n];
        float[] probs = (float[])logits.Clone(), untouched = (float[])logits.Clone();
        fixed (float* l = logits, p = probs, u = untouched, lf = viaForward, ll = viaLosses)
        {
            CrossEntropy.Forward(lf, p, targets, n, vocab, 2);
            CrossEntropy.Losses(ll, u, targets, n, vocab, 2);
            for (int i = 0; i < n; i++)
            {
                var row = new ReadOnlySpan<float>(l + (long)i * vocab, vocab);
                float pinned = LossAt(l + (long)i * vocab, vocab, targets[i], SimdPath.Width);
                Assert.Equal(BitConverter.SingleToInt32Bits(pinned), BitConverter.SingleToInt32Bits(RowLogSoftmax.Loss(row, targets[i])));
                Assert.Equal(BitConverter.SingleToInt32Bits(pinned), BitConverter.SingleToInt32Bits(viaForward[i]));
                Assert.Equal(BitConverter.SingleToInt32Bits(pinned), BitConverter.SingleToInt32Bits(viaLosses[i]));
                Assert.Equal(-pinned, RowLogSoftmax.LogProb(row, targets[i]));
            }
        }
        Assert.Equal(logits, untouched); // the forward-only path leaves the logits alone
    }

    [Fact]
    public void Forward_LeavesTheSoftmax_AndLogSumExpMatchesTheDefinition()
    {
        var rng = new Rng(3);
        const int vocab = 53;
        float[] logits = GradCheck.RandomArray(rng, vocab, 5);
        float[] probs = (float[])logits.Clone();
        float[] loss = new float[1];
        fixed (float* p = probs, l = loss)
        {
            CrossEntropy.Forward(l, p, [4], 1, vocab, 1);
        }
        double z = logits.Sum(v => Math.Exp(v));
        for (int j = 0; j < vocab; j++)
        {
            Assert.Equal(Math.Exp(logits[j]) / z, probs[j], 6);
        }
        Assert.Equal(Math.Log(z), RowLogSoftmax.LogSumExp(logits), 5);
        Assert.Equal(Math.Log(z) - logits[4], loss[0], 5);
    }

    [Fact]
    public void HugeLogits_DoNotOverflow()
    {
        float[] row = [1e30f, 1e30f - 1, -1e30f, 0];
        Assert.Equal(Math.Log(2), RowLogSoftmax.Loss(row, 0), 5); // 1e30 − 1 rounds to 1e30 in float: two equal maxima
        Assert.True(float.IsFinite(RowLogSoftmax.Loss(row, 2)));
    }
}
