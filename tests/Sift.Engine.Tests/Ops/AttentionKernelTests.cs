using Sift.Core.Random;
using Sift.Engine.Ops;

namespace Sift.Engine.Tests.Ops;

/// <summary>The GEMM-blocked attention against the scalar reference, over shapes that cross the row blocks.</summary>
public sealed unsafe class AttentionKernelTests
{
    internal sealed record Result(float[] Out, float[] Probs, float[] Dqkv);

    /// <summary>Forward then backward of the scalar reference or the blocked attention (<paramref name="bf16"/>: its bf16 products).</summary>
    internal static Result Run(bool reference, float[] qkv, float[] dOut, int B, int T, int heads, int kvHeads, int hd, int threads, int window = 0, bool bf16 = false)
    {
        var o = new float[B * T * heads * hd];
        var p = new float[B * heads * T * T];
        var d = new float[qkv.Length];
        Array.Fill(d, float.NaN); // the backward must overwrite every gradient
        fixed (float* op = o, pp = p, qp = qkv, dp = d, gp = dOut)
        {
            if (reference)
            {
                AttentionReference.Forward(op, pp, qp, B, T, heads, kvHeads, hd, threads, window);
                AttentionReference.Backward(dp, gp, pp, qp, B, T, heads, kvHeads, hd, threads);
            }
            else
            {
                Attention.Forward(op, pp, qp, B, T, heads, kvHeads, hd, threads, window, bf16: bf16);
                Attention.Backward(dp, gp, pp, qp, B, T, heads, kvHeads, hd, threads, bf16: bf16);
            }
        }
        return new Result(o, p, d);
    }

    private static void Close(string what, float[] expected, float[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(expected[i] - actual[i]);
            Assert.True(err <= tol * (1 + Math.Abs(expected[i])), $"{what}[{i}]: reference {expected[i]:G7}, blocked {actual[i]:G7}");
        }
    }

    [Theory]
    [InlineData(2, 5, 2, 2, 4)]
    [InlineData(1, 48, 2, 1, 8)]
    [InlineData(1, 50, 4, 2, 8)]
    [InlineData(2, 97, 6, 2, 16)]
    [InlineData(1, 130, 3, 1, 32)]
    public void BlockedMatchesReference(int B, int T, int heads, int kvHeads, int hd)
    {
        var rng = new Rng((ulong)(T * 31 + heads));
        int stride = (heads + 2 * kvHeads) * hd;
        float[] qkv = GradCheck.RandomArray(rng, B * T * stride), dOut = GradCheck.RandomArray(rng, B * T * heads * hd);
        var want = Run(true, qkv, dOut, B, T, heads, kvHeads, hd, 1);
        var got = Run(false, qkv, dOut, B, T, heads, kvHeads, hd, 2);
        Close("out", want.Out, got.Out, 1e-5);
        Close("probs", want.Probs, got.Probs, 1e-5);
        Close("dqkv", want.Dqkv, got.Dqkv, 2e-5);
        // Above the diagonal the probabilities are exact zeros.
        for (int r = 0; r < B * heads * T; r++)
        {
            int i = r % T;
            for (int j = i + 1; j < T; j++)
            {
                Assert.Equal(0f, got.Probs[(long)r * T + j]);
            }
        }
    }

    [Theory]
    [InlineData(1, 50, 4, 2, 8, 7)]
    [InlineData(2, 97, 6, 2, 16, 1)]
    [InlineData(1, 33, 2, 1, 8, 12)]
    [InlineData(1, 20, 2, 2, 4, 30)]
    public void BlockedMatchesReference_WithSlidingWindow(int B, int T, int heads, int kvHeads, int hd, int window)
    {
        var rng = new Rng((ulong)(T * 17 + window));
        int stride = (heads + 2 * kvHeads) * hd;
        float[] qkv = GradCheck.RandomArray(rng, B * T * stride), dOut = GradCheck.RandomArray(rng, B * T * heads * hd);
        var want = Run(true, qkv, dOut, B, T, heads, kvHeads, hd, 1, window);
        var got = Run(false, qkv, dOut, B, T, heads, kvHeads, hd, 2, window);
        Close("out", want.Out, got.Out, 1e-5);
        Close("probs", want.Probs, got.Probs, 1e-5);
        Close("dqkv", want.Dqkv, got.Dqkv, 2e-5);
        // Outside the window (j ≤ i − W) and above the diagonal the probabilities are exact zeros; inside they sum to 1.
        for (int r = 0; r < B * heads * T; r++)
        {
            int i = r % T;
            double sum = 0;
            for (int j = 0; j < T; j++)
            {
                float p = got.Probs[(long)r * T + j];
                if (j > i || j <= i - window)
                {
                    Assert.Equal(0f, p);
                }
                sum += p;
            }
            Assert.Equal(1.0, sum, 5);
        }
        if (window >= T)
        {
            var plain = Run(false, qkv, dOut, B, T, heads, kvHeads, hd, 2);
            Assert.Equal(plain.Out, got.Out);
            Assert.Equal(plain.Dqkv, got.Dqkv);
        }
    }

    [Fact]
    public void BlockedIsBitIdenticalForAnyThreadCount()
    {
        var rng = new Rng(9);
        int B = 3, T = 70, heads = 4, kvHeads = 2, hd = 8, stride = (heads + 2 * kvHeads) * hd;
        float[] qkv = GradCheck.RandomArray(rng, B * T * stride), dOut = GradCheck.RandomArray(rng, B * T * heads * hd);
        var one = Run(false, qkv, dOut, B, T, heads, kvHeads, hd, 1);
        var three = Run(false, qkv, dOut, B, T, heads, kvHeads, hd, 3);
        Assert.Equal(one.Out, three.Out);
        Assert.Equal(one.Probs, three.Probs);
        Assert.Equal(one.Dqkv, three.Dqkv);
    }
}
