using Sift.Engine.Model;
using Sift.Pipelines.Demo;

namespace Sift.Pipelines.Tests.Demo;

public sealed class SpeedupTests
{
    private static List<EvalPoint> Curve(double keep, params double[] losses) =>
        losses.Select((l, i) => new EvalPoint(i + 1, (i + 1) * 1000L, (long)Math.Round((i + 1) * 1000 * keep), l, double.NaN, double.NaN)).ToList();

    [Fact]
    public void FirstReach_InterpolatesLinearlyBetweenEvaluations()
    {
        var c = Curve(0.5, 3.0, 2.0, 1.0);
        var x = Speedup.FirstReach(c, 1.5)!;
        Assert.Equal(2500, x.Tokens, 9);
        Assert.Equal(1250, x.TrainedTokens, 9);
        Assert.False(x.AtFirstEvaluation);
        Assert.Null(Speedup.FirstReach(c, 0.9));
        // Exactly on an evaluation: that evaluation.
        Assert.Equal(2000, Speedup.FirstReach(c, 2.0)!.Tokens, 9);
    }

    [Fact]
    public void FirstReach_TakesTheFirstCrossingOfANonMonotoneCurve_AndMarksAFirstEvaluationHit()
    {
        var c = Curve(1, 3.0, 1.8, 2.2, 1.5);
        Assert.Equal(1000 + 1000 * (3.0 - 2.0) / (3.0 - 1.8), Speedup.FirstReach(c, 2.0)!.Tokens, 9);
        var first = Speedup.FirstReach(c, 3.5)!;
        Assert.True(first.AtFirstEvaluation);
        Assert.Equal(1000, first.Tokens);
    }

    [Fact]
    public void Against_ReportsBothAccountings_AndNullWhenTheTargetIsNeverReached()
    {
        var clm = Curve(1, 4.0, 3.0, 2.0, 1.6);         // target 1.6, first reached at 4000 tokens
        var slm = Curve(0.5, 3.5, 2.2, 1.6, 1.2);       // reaches 1.6 at 3000 tokens, 1500 selected
        var s = Speedup.Against(clm, slm);
        Assert.Equal(1.6, s.Target);
        Assert.Equal(4000.0 / 3000.0, s.Tokens!.Value, 9);
        Assert.Equal(4000.0 / 1500.0, s.Selected!.Value, 9);
        var never = Speedup.Against(clm, Curve(0.5, 3.9, 3.5, 3.0, 2.0));
        Assert.Null(never.Tokens);
        Assert.Null(never.Selected);
        // CLM against itself is exactly 1.
        Assert.Equal(1.0, Speedup.Against(clm, clm).Tokens!.Value, 12);
    }

    [Fact]
    public void FlopCount_MatchesTheSpecTableForTheTinyConfig()
    {
        // selective-lm.md §7: ~1M config, T = 256: 5.9 + 1.6 = 7.5 MFLOP per training token, 2.5 forward.
        var c = ModelPresets.Tiny;
        Assert.Equal(4L * (128 * 128 * 4 + 3 * 128 * 384) + 1024 * 128, FlopCount.MatmulParameters(c));
        Assert.Equal(7.47, FlopCount.TrainPerToken(c, 256) / 1e6, 2);
        Assert.Equal(2.49, FlopCount.ForwardPerToken(c, 256) / 1e6, 2);
        // GQA shrinks the k/v projections only.
        var gqa = c with { NumKeyValueHeads = 2 };
        Assert.Equal(FlopCount.MatmulParameters(c) - 4L * 2 * 128 * 64, FlopCount.MatmulParameters(gqa));
    }
}
