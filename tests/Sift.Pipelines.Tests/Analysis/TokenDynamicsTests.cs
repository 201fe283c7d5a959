using Sift.Core.Random;
using Sift.Pipelines.Analysis;

namespace Sift.Pipelines.Tests.Analysis;

public sealed class TokenDynamicsTests
{
    [Fact]
    public void Categories_FollowTheFittedChangeAndTheLastMean()
    {
        // Tokens: falling, rising, low and flat, high and flat, flat-ish with noise inside the band.
        float[][] losses =
        [
            [3.0f, 1.0f, 0.5f, 4.0f, 1.0f],
            [2.0f, 1.5f, 0.5f, 4.1f, 1.3f],
            [1.0f, 2.0f, 0.5f, 3.9f, 0.9f],
        ];
        var r = TokenDynamics.Classify(losses, [0, 1, 2]);
        Assert.Equal([LossCategory.HL, LossCategory.LH, LossCategory.LL, LossCategory.HH, LossCategory.LL], r.Category);
        Assert.Equal((1.0 + 2.0 + 0.5 + 3.9 + 0.9) / 5, r.MeanLastLoss, 6);
        Assert.Equal(-2.0f, r.Change[0], 5);
        Assert.Equal(1.0f, r.Change[1], 5);
        Assert.Equal(["H->H", "L->H", "H->L", "L->L"], TokenDynamics.All.Select(c => c.Name()));
    }

    [Fact]
    public void FittedChange_MatchesANaiveLeastSquaresFit_ForUnevenCheckpoints()
    {
        var rng = new Rng(4);
        double[] x = [1000, 3000, 4000, 9000];
        var losses = x.Select(_ => Enumerable.Range(0, 50).Select(_ => (float)(rng.NextDouble() * 5)).ToArray()).ToList();
        var r = TokenDynamics.Classify(losses, x);
        for (int j = 0; j < 50; j++)
        {
            // Normal equations for l = a·x + b: [Σx² Σx; Σx n] [a; b] = [Σxl; Σl].
            double sx = 0, sxx = 0, sl = 0, sxl = 0;
            for (int c = 0; c < x.Length; c++)
            {
                sx += x[c];
                sxx += x[c] * x[c];
                sl += losses[c][j];
                sxl += x[c] * losses[c][j];
            }
            double n = x.Length, a = (n * sxl - sx * sl) / (n * sxx - sx * sx);
            Assert.Equal(a * (x[^1] - x[0]), r.Change[j], 4);
        }
        Assert.Throws<ArgumentException>(() => TokenDynamics.Classify([losses[0]], [0]));
        Assert.Throws<ArgumentException>(() => TokenDynamics.Classify([losses[0], losses[1]], [5, 5]));
    }

    [Fact]
    public void SelectionReplay_KeepsTheTopExcessLossPerGroup_TiesToTheEarlierPosition()
    {
        var rng = new Rng(9);
        int n = 96, group = 32;
        var student = Enumerable.Range(0, n).Select(_ => (float)Math.Round(rng.NextDouble() * 4, 1)).ToArray();
        var reference = Enumerable.Range(0, n).Select(_ => (float)Math.Round(rng.NextDouble() * 2, 1)).ToArray();
        var keep = SelectionReplay.Select(student, reference, 0.6, group);
        for (int g = 0; g < n; g += group)
        {
            var naive = Enumerable.Range(g, group).OrderByDescending(i => student[i] - reference[i]).ThenBy(i => i).Take(19).ToHashSet();
            for (int i = g; i < g + group; i++)
            {
                Assert.Equal(naive.Contains(i), keep[i]);
            }
        }
        Assert.All(SelectionReplay.Select(student, reference, 1.0, group), Assert.True);
        Assert.Throws<ArgumentOutOfRangeException>(() => SelectionReplay.Select(student, reference, 0, group));
    }
}
