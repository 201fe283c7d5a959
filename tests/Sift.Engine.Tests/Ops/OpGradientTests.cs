using Sift.Core.Random;
using Sift.Engine.Ops;

namespace Sift.Engine.Tests.Ops;

/// <summary>Finite-difference checks of every op's backward: loss = Σ c ⊙ y for a random c.</summary>
public sealed unsafe class OpGradientTests
{
    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += (double)a[i] * b[i];
        }
        return s;
    }

    [Fact]
    public void RmsNorm_BackwardMatchesFiniteDifferences()
    {
        var rng = new Rng(1);
        int n = 3, d = 8;
        float[] x = GradCheck.RandomArray(rng, n * d), w = GradCheck.RandomArray(rng, d), c = GradCheck.RandomArray(rng, n * d);
        double Loss()
        {
            var y = new float[n * d];
            var r = new float[n];
            fixed (float* yp = y, rp = r, xp = x, wp = w)
            {
                RmsNorm.Forward(yp, rp, xp, wp, n, d, 1e-5f, 1);
            }
            return Dot(y, c);
        }
        var dx = new float[n * d];
        var dw = new float[d];
        var rstd = new float[n];
        var scratch = new float[RmsNorm.ReduceChunks * d];
        fixed (float* yp = new float[n * d], rp = rstd, xp = x, wp = w, dxp = dx, dwp = dw, cp = c, sp = scratch)
        {
            RmsNorm.Forward(yp, rp, xp, wp, n, d, 1e-5f, 1);
            RmsNorm.Backward(dxp, dwp, cp, xp, wp, rp, n, d, 2, sp);
        }
        GradCheck.Check("dx", x, dx, Loss, GradCheck.All(n * d));
        GradCheck.Check("dw", w, dw, Loss, GradCheck.All(d));
    }

    [Fact]
    public void Rope_InverseUndoesForward_AndMatchesHandRotation()
    {
        var rope = new Rope(headDim: 4, maxPos: 8, theta: 10000f);
        float[] v = [1, 2, 3, 4];
        fixed (float* p = v)
        {
            rope.Apply(p, 1, 3, inverse: false);
        }
        // Pairs (0,2) and (1,3); angles 3·θ^0 = 3 and 3·θ^(−2/4) = 0.03.
        double a0 = 3, a1 = 3 * Math.Pow(10000, -0.5);
        Assert.Equal(1 * Math.Cos(a0) - 3 * Math.Sin(a0), v[0], 5);
        Assert.Equal(2 * Math.Cos(a1) - 4 * Math.Sin(a1), v[1], 5);
        Assert.Equal(1 * Math.Sin(a0) + 3 * Math.Cos(a0), v[2], 5);
        Assert.Equal(2 * Math.Sin(a1) + 4 * Math.Cos(a1), v[3], 5);
        fixed (float* p = v)
        {
            rope.Apply(p, 1, 3, inverse: true);
        }
        Assert.Equal([1f, 2f, 3f, 4f], v.Select(f => MathF.Round(f, 5)).ToArray());
    }

    [Fact]
    public void Rope_BackwardMatchesFiniteDifferences()
    {
        var rng = new Rng(2);
        var rope = new Rope(6, 16, 500f);
        int rows = 4, T = 4, qh = 2, kh = 1, stride = 6 * (qh + 2 * kh);
        float[] x = GradCheck.RandomArray(rng, rows * stride), c = GradCheck.RandomArray(rng, rows * stride);
        double Loss()
        {
            var y = (float[])x.Clone();
            fixed (float* p = y)
            {
                rope.ApplyQk(p, rows, T, stride, qh, kh, false, 1);
            }
            return Dot(y, c);
        }
        var g = (float[])c.Clone();
        fixed (float* p = g)
        {
            rope.ApplyQk(p, rows, T, stride, qh, kh, true, 2);
        }
        GradCheck.Check("dx", x, g, Loss, GradCheck.All(x.Length));
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(4, 2)]
    [InlineData(4, 1)]
    public void Attention_BackwardMatchesFiniteDifferences(int heads, int kvHeads)
    {
        var rng = new Rng(3);
        int B = 2, T = 5, hd = 4, qDim = heads * hd, stride = qDim + 2 * kvHeads * hd;
        float[] qkv = GradCheck.RandomArray(rng, B * T * stride), c = GradCheck.RandomArray(rng, B * T * qDim);
        double Loss()
        {
            var o = new float[B * T * qDim];
            var p = new float[B * heads * T * T];
            fixed (float* op = o, pp = p, qp = qkv)
            {
                Attention.Forward(op, pp, qp, B, T, heads, kvHeads, hd, 1);
            }
            return Dot(o, c);
        }
        var outp = new float[B * T * qDim];
        var probs = new float[B * heads * T * T];
        var dqkv = new float[qkv.Length];
        fixed (float* op = outp, pp = probs, qp = qkv, dp = dqkv, cp = c)
        {
            Attention.Forward(op, pp, qp, B, T, heads, kvHeads, hd, 2);
            Attention.Backward(dp, cp, pp, qp, B, T, heads, kvHeads, hd, 2);
        }
        for (int r = 0; r < B * heads * T; r++)
        {
            Assert.Equal(1.0, probs.Skip(r * T).Take(T).Sum(), 4);
        }
        GradCheck.Check("dqkv", qkv, dqkv, Loss, GradCheck.All(qkv.Length));
    }

    [Theory]
    [InlineData(2, 1, 1)]
    [InlineData(4, 2, 2)]
    [InlineData(4, 1, 3)]
    public void Attention_WithSlidingWindow_BackwardMatchesFiniteDifferences(int heads, int kvHeads, int window)
    {
        var rng = new Rng(13);
        int B = 2, T = 6, hd = 4, qDim = heads * hd, stride = qDim + 2 * kvHeads * hd;
        float[] qkv = GradCheck.RandomArray(rng, B * T * stride), c = GradCheck.RandomArray(rng, B * T * qDim);
        double Loss()
        {
            var o = new float[B * T * qDim];
            var p = new float[B * heads * T * T];
            fixed (float* op = o, pp = p, qp = qkv)
            {
                Attention.Forward(op, pp, qp, B, T, heads, kvHeads, hd, 1, window);
            }
            return Dot(o, c);
        }
        var outp = new float[B * T * qDim];
        var probs = new float[B * heads * T * T];
        var dqkv = new float[qkv.Length];
        fixed (float* op = outp, pp = probs, qp = qkv, dp = dqkv, cp = c)
        {
            Attention.Forward(op, pp, qp, B, T, heads, kvHeads, hd, 2, window);
            Attention.Backward(dp, cp, pp, qp, B, T, heads, kvHeads, hd, 2);
        }
        GradCheck.Check("dqkv", qkv, dqkv, Loss, GradCheck.All(qkv.Length));
        // A key older than the window of every query gets no gradient: with W = 1 only the diagonal is attended,
        // so a position's key influences nothing else and its value only its own output.
        if (window == 1)
        {
            for (int r = 0; r < B * T; r++)
            {
                for (int k = qDim; k < qDim + kvHeads * hd; k++)
                {
                    Assert.Equal(0f, dqkv[r * stride + k], 5);
                }
            }
        }
    }

    [Fact]
    public void Bias_BackwardMatchesFiniteDifferences_AndIsThreadCountIndependent()
    {
        var rng = new Rng(14);
        int n = 5, dim = 70; // crosses a 64-column block
        float[] y0 = GradCheck.RandomArray(rng, n * dim), b = GradCheck.RandomArray(rng, dim), c = GradCheck.RandomArray(rng, n * dim);
        double Loss()
        {
            var y = (float[])y0.Clone();
            fixed (float* yp = y, bp = b)
            {
                Bias.Forward(yp, bp, n, dim, 1);
            }
            return Dot(y, c);
        }
        float[] Grad(int threads)
        {
            var db = new float[dim];
            Array.Fill(db, 0.5f); // accumulates
            fixed (float* dbp = db, cp = c)
            {
                Bias.Backward(dbp, cp, n, dim, threads);
            }
            return [.. db.Select(v => v - 0.5f)];
        }
        var g = Grad(1);
        GradCheck.Check("db", b, g, Loss, GradCheck.All(dim));
        Assert.Equal(g, Grad(3));
        for (int j = 0; j < dim; j++)
        {
            Assert.Equal(Enumerable.Range(0, n).Sum(r => (double)c[r * dim + j]), g[j], 4);
        }
    }

    [Fact]
    public void SwiGlu_BackwardMatchesFiniteDifferences()
    {
        var rng = new Rng(4);
        int n = 3, f = 5;
        float[] gu = GradCheck.RandomArray(rng, n * 2 * f, 2), c = GradCheck.RandomArray(rng, n * f);
        double Loss()
        {
            var h = new float[n * f];
            fixed (float* hp = h, gp = gu)
            {
                SwiGlu.Forward(hp, gp, n, f, 1);
            }
            return Dot(h, c);
        }
        var d = new float[gu.Length];
        fixed (float* dp = d, cp = c, gp = gu)
        {
            SwiGlu.Backward(dp, cp, gp, n, f, 2);
        }
        GradCheck.Check("dgateUp", gu, d, Loss, GradCheck.All(gu.Length));
    }

    [Fact]
    public void CrossEntropy_WeightedBackwardMatchesFiniteDifferences()
    {
        var rng = new Rng(5);
        int n = 4, V = 7;
        float[] z = GradCheck.RandomArray(rng, n * V, 3);
        int[] targets = [2, CrossEntropy.IgnoreIndex, 6, 0];
        float[] w = [0.5f, 0f, 1.5f, 0.25f];
        double Loss()
        {
            var tmp = (float[])z.Clone();
            var l = new float[n];
            fixed (float* lp = l, zp = tmp)
            {
                CrossEntropy.Forward(lp, zp, targets, n, V, 1);
            }
            return l.Select((v, i) => (double)v * w[i]).Sum();
        }
        var g = (float[])z.Clone();
        var losses = new float[n];
        fixed (float* lp = losses, gp = g)
        {
            CrossEntropy.Forward(lp, gp, targets, n, V, 2);
            CrossEntropy.Backward(gp, w, targets, n, V, 2);
        }
        Assert.Equal(0f, losses[1]);
        for (int i = 0; i < n; i++)
        {
            if (targets[i] < 0)
            {
                continue;
            }
            double max = z.Skip(i * V).Take(V).Max();
            double lse = max + Math.Log(z.Skip(i * V).Take(V).Sum(v => Math.Exp(v - max)));
            Assert.Equal(lse - z[i * V + targets[i]], losses[i], 4);
        }
        GradCheck.Check("dlogits", z, g, Loss, GradCheck.All(z.Length));
    }

    [Fact]
    public void CrossEntropy_IsStableForHugeLogits()
    {
        float[] z = [1e4f, -1e4f, 0f];
        var l = new float[1];
        fixed (float* lp = l, zp = z)
        {
            CrossEntropy.Forward(lp, zp, [1], 1, 3, 1);
        }
        Assert.Equal(2e4f, l[0], 1);
        Assert.True(float.IsFinite(l[0]));
    }

    [Fact]
    public void Embedding_BackwardScatterAddsRepeatedTokens()
    {
        int V = 4, d = 3;
        int[] tokens = [1, 3, 1];
        float[] dOut = [1, 2, 3, 10, 20, 30, 100, 200, 300];
        var dTable = new float[V * d];
        fixed (float* dt = dTable, dp = dOut)
        {
            Embedding.Backward(dt, dp, tokens, 3, d, 2);
        }
        Assert.Equal([0, 0, 0, 101, 202, 303, 0, 0, 0, 10, 20, 30], dTable);
    }

    [Fact]
    public void Embedding_RejectsOutOfRangeIds()
    {
        var table = new float[6];
        var output = new float[3];
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            fixed (float* tp = table, op = output)
            {
                Embedding.Forward(op, tp, [5], 2, 3);
            }
        });
        Assert.Contains("token id 5", ex.Message);
    }
}
