using Sift.Core.Random;
using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Ops;

namespace Sift.Engine.Tests.Ops;

/// <summary>The vectorised element-wise kernels against their scalar references (sizes with remainders).</summary>
public sealed unsafe class VectorKernelTests
{
    private static void Close(string what, float[] expected, float[] actual, double tol)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(expected[i] - actual[i]);
            Assert.True(err <= tol * (1 + Math.Abs(expected[i])), $"{what}[{i}]: reference {expected[i]:G8}, vectorised {actual[i]:G8}");
        }
    }

    [Theory]
    [InlineData(3, 5, SimdWidth.V512)]
    [InlineData(7, 37, SimdWidth.V512)]
    [InlineData(16, 64, SimdWidth.V512)]
    [InlineData(7, 37, SimdWidth.V256)]
    [InlineData(16, 64, SimdWidth.V256)]
    [InlineData(7, 37, SimdWidth.Scalar)]
    public void SwiGlu_EveryWidth_MatchesReference(int n, int f, SimdWidth width)
    {
        var rng = new Rng((ulong)(n * f));
        float[] gu = GradCheck.RandomArray(rng, n * 2 * f, 4), dh = GradCheck.RandomArray(rng, n * f);
        gu[0] = -120f; // σ underflows: silu → 0, no NaN
        gu[1] = 95f;
        float[] h1 = new float[n * f], h2 = new float[n * f], d1 = new float[n * 2 * f], d2 = new float[n * 2 * f];
        fixed (float* g = gu, d = dh, a = h1, b = h2, x = d1, y = d2)
        {
            SwiGlu.ForwardReference(a, g, n, f);
            SwiGlu.Forward(b, g, n, f, 2, width);
            SwiGlu.BackwardReference(x, d, g, n, f);
            SwiGlu.Backward(y, d, g, n, f, 2, width);
        }
        Close("h", h1, h2, 1e-6);
        Close("dGateUp", d1, d2, 1e-6);
        Assert.DoesNotContain(h2, float.IsNaN);
        Assert.DoesNotContain(d2, float.IsNaN);
    }

    [Theory]
    [InlineData(64, false)]
    [InlineData(80, true)]
    [InlineData(14, false)]
    public void RopeRotate_EveryWidth_GivesTheScalarBits(int headDim, bool inverse)
    {
        const int heads = 3;
        int half = headDim / 2;
        var rng = new Rng((ulong)headDim);
        float[] v0 = GradCheck.RandomArray(rng, heads * headDim, 2);
        float[] angles = GradCheck.RandomArray(rng, half, 3);
        float[] cos = angles.Select(MathF.Cos).ToArray(), sin = angles.Select(MathF.Sin).ToArray();
        float[] Run(SimdWidth width)
        {
            float[] v = (float[])v0.Clone();
            fixed (float* p = v, c = cos, s = sin)
            {
                Rope.Rotate(p, heads, headDim, c, s, inverse, width);
            }
            return v;
        }
        float[] scalar = Run(SimdWidth.Scalar);
        // Each pair keeps its length: a rotation.
        for (int i = 0; i < half; i++)
        {
            double before = Math.Sqrt(v0[i] * (double)v0[i] + v0[i + half] * (double)v0[i + half]);
            double after = Math.Sqrt(scalar[i] * (double)scalar[i] + scalar[i + half] * (double)scalar[i + half]);
            Assert.Equal(before, after, 4);
        }
        Assert.Equal(scalar, Run(SimdWidth.V256));
        Assert.Equal(scalar, Run(SimdWidth.V512));
    }

    [Fact]
    public void RmsNormForward_EveryWidth_GivesTheScalarBits()
    {
        const int n = 4, d = 75;
        var rng = new Rng(31);
        float[] x = GradCheck.RandomArray(rng, n * d, 3), w = GradCheck.RandomArray(rng, d);
        float[] Run(SimdWidth width)
        {
            float[] y = new float[n * d], r = new float[n];
            fixed (float* py = y, pr = r, px = x, pw = w)
            {
                RmsNorm.Forward(py, pr, px, pw, n, d, 1e-5f, 2, width);
            }
            return y;
        }
        float[] scalar = Run(SimdWidth.Scalar);
        Assert.Equal(scalar, Run(SimdWidth.V256));
        Assert.Equal(scalar, Run(SimdWidth.V512));
    }

    [Fact]
    public void SwiGlu_V512_GivesTheSameBitsAsV256()
    {
        // Same lane arithmetic per element (the 512-bit loop hands its 8-lane remainder to the 256-bit body).
        const int n = 5, f = 83;
        var rng = new Rng(99);
        float[] gu = GradCheck.RandomArray(rng, n * 2 * f, 6), dh = GradCheck.RandomArray(rng, n * f);
        float[] h1 = new float[n * f], h2 = new float[n * f], d1 = new float[n * 2 * f], d2 = new float[n * 2 * f];
        fixed (float* g = gu, d = dh, a = h1, b = h2, x = d1, y = d2)
        {
            SwiGlu.Forward(a, g, n, f, 1, SimdWidth.V256);
            SwiGlu.Forward(b, g, n, f, 2, SimdWidth.V512);
            SwiGlu.Backward(x, d, g, n, f, 1, SimdWidth.V256);
            SwiGlu.Backward(y, d, g, n, f, 2, SimdWidth.V512);
        }
        Assert.Equal(h1, h2);
        Assert.Equal(d1, d2);
    }

    [Theory]
    [InlineData(3, 5, SimdWidth.V512)]
    [InlineData(40, 20, SimdWidth.V512)]
    [InlineData(33, 128, SimdWidth.V512)]
    [InlineData(9, 53, SimdWidth.V512)]
    [InlineData(3, 5, SimdWidth.V256)]
    [InlineData(40, 20, SimdWidth.V256)]
    [InlineData(33, 128, SimdWidth.V256)]
    public void RmsNorm_MatchesReference(int n, int d, SimdWidth width)
    {
        var rng = new Rng((ulong)(n + d));
        float[] x = GradCheck.RandomArray(rng, n * d, 3), w = GradCheck.RandomArray(rng, d), dy = GradCheck.RandomArray(rng, n * d);
        float[] y1 = new float[n * d], y2 = new float[n * d], r1 = new float[n], r2 = new float[n];
        float[] dx1 = GradCheck.RandomArray(rng, n * d), dx2 = (float[])dx1.Clone(), dw1 = new float[d], dw2 = new float[d];
        var scratch = new float[RmsNorm.ReduceChunks * d];
        fixed (float* xp = x, wp = w, dyp = dy, a = y1, b = y2, ra = r1, rb = r2, xa = dx1, xb = dx2, wa = dw1, wb = dw2, sp = scratch)
        {
            RmsNorm.ForwardReference(a, ra, xp, wp, n, d, 1e-5f);
            RmsNorm.Forward(b, rb, xp, wp, n, d, 1e-5f, 2, width);
            RmsNorm.BackwardReference(xa, wa, dyp, xp, wp, ra, n, d);
            RmsNorm.Backward(xb, wb, dyp, xp, wp, ra, n, d, 2, sp, width);
        }
        Close("y", y1, y2, 1e-5);
        Close("rstd", r1, r2, 1e-5);
        Close("dx", dx1, dx2, 1e-4);
        Close("dw", dw1, dw2, 1e-4);
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(32, 2)]
    [InlineData(64, 5)]
    [InlineData(40, 1)]
    public void Rope_MatchesReference(int headDim, int heads)
    {
        var rope = new Rope(headDim, 64, 10000f);
        var rng = new Rng((ulong)headDim);
        foreach (bool inverse in new[] { false, true })
        {
            foreach (int pos in new[] { 0, 1, 17, 63 })
            {
                float[] v1 = GradCheck.RandomArray(rng, headDim * heads), v2 = (float[])v1.Clone();
                fixed (float* a = v1, b = v2)
                {
                    rope.ApplyReference(a, heads, pos, inverse);
                    rope.Apply(b, heads, pos, inverse);
                }
                Assert.Equal(v1, v2); // the same float operations in the same order: bit-identical
            }
        }
    }
}
