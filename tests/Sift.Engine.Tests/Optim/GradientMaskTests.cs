using Sift.Core.Random;
using Sift.Engine.Optim;

namespace Sift.Engine.Tests.Optim;

public sealed class GradientMaskTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Select_EqualsTheSortedKth_WithTies(int n)
    {
        var rng = new Rng((ulong)n);
        for (int trial = 0; trial < 20; trial++)
        {
            // Few distinct values for many ties, or continuous values.
            float[] a = [.. Enumerable.Range(0, n).Select(_ => trial % 2 == 0 ? rng.NextInt(5) : (float)rng.NextDouble())];
            float[] sorted = [.. a.Order()];
            int k = rng.NextInt(n);
            Assert.Equal(sorted[k], GradientMask.Select((float[])a.Clone(), k));
        }
    }

    [Fact]
    public void MaskTensor_ZeroesTheSmallestMagnitudes_KeepsTheRest()
    {
        var rng = new Rng(3);
        float[] g = [.. Enumerable.Range(0, 200).Select(_ => (float)(rng.NextDouble() - 0.5))];
        float[] orig = (float[])g.Clone();
        long zeroed = GradientMask.MaskTensor(g, 0.25);
        Assert.Equal(50, zeroed);
        float cut = orig.Select(MathF.Abs).Order().ElementAt(50);
        for (int i = 0; i < g.Length; i++)
        {
            Assert.Equal(MathF.Abs(orig[i]) < cut ? 0f : orig[i], g[i]);
        }
        Assert.Equal(0, GradientMask.MaskTensor(g, 0.0));
        Assert.Equal(0.45, new GradientMaskOptions { Percentile = 0.9, Schedule = "linear" }.At(4, 10), 12);
        Assert.Equal(0.9, new GradientMaskOptions { Percentile = 0.9 }.At(0, 10), 12);
    }
}
