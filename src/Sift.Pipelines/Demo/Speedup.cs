namespace Sift.Pipelines.Demo;

/// <summary>One evaluation of a student: where it was in training and what it scored.</summary>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="Tokens">Tokens processed (every token of every batch).</param>
/// <param name="TrainedTokens">Tokens that received gradient (the selected ones for slm/random; all for clm).</param>
/// <param name="CleanLoss">Mean loss on the held-out clean problems (question and solution).</param>
/// <param name="AnswerLoss">Mean loss on the answer tokens after "####", or NaN.</param>
/// <param name="Accuracy">Greedy exact-answer accuracy on the decoded held-out problems, or NaN.</param>
internal sealed record EvalPoint(long Step, long Tokens, long TrainedTokens, double CleanLoss, double AnswerLoss, double Accuracy);

/// <summary>Where a loss curve first reaches a target: tokens processed and tokens trained, interpolated.</summary>
/// <param name="Tokens">Tokens processed at the crossing.</param>
/// <param name="TrainedTokens">Tokens that received gradient at the crossing.</param>
/// <param name="AtFirstEvaluation">The curve was already at the target at its first evaluation, so the true crossing is
/// at most this many tokens (a speedup computed from it is a lower bound).</param>
internal sealed record Crossing(double Tokens, double TrainedTokens, bool AtFirstEvaluation = false);

/// <summary>
/// The demo's headline arithmetic (issue 3, item 7). With L* = CLM's final clean loss:
/// speedup_tokens = tokens CLM processed to first reach L* ÷ tokens SLM processed to first reach L*;
/// speedup_selected_tokens = the same ratio counting only tokens that received gradient. A curve reaches a
/// target between two evaluations at the linear interpolation of the loss; a curve that never gets to L*
/// gives null. When a curve is already at the target at its first evaluation, that evaluation is taken as the
/// crossing and marked (<see cref="Crossing.AtFirstEvaluation"/>).
/// </summary>
internal static class Speedup
{
    /// <summary>The first point where <paramref name="curve"/> (ordered by tokens) is at or below <paramref name="target"/>, or null.</summary>
    public static Crossing? FirstReach(IReadOnlyList<EvalPoint> curve, double target)
    {
        for (int i = 0; i < curve.Count; i++)
        {
            var p = curve[i];
            if (!double.IsFinite(p.CleanLoss) || p.CleanLoss > target)
            {
                continue;
            }
            if (i == 0 || !double.IsFinite(curve[i - 1].CleanLoss))
            {
                return new Crossing(p.Tokens, p.TrainedTokens, AtFirstEvaluation: i == 0);
            }
            var a = curve[i - 1];
            // a is above the target and p at or below it: interpolate linearly in loss.
            double f = (a.CleanLoss - target) / (a.CleanLoss - p.CleanLoss);
            return new Crossing(a.Tokens + f * (p.Tokens - a.Tokens), a.TrainedTokens + f * (p.TrainedTokens - a.TrainedTokens));
        }
        return null;
    }

    /// <summary>Both speedups of <paramref name="arm"/> against <paramref name="baseline"/>'s final clean loss (null when the arm never reaches it).</summary>
    public static (double? Tokens, double? Selected, double Target, Crossing? Baseline, Crossing? Arm) Against(IReadOnlyList<EvalPoint> baseline, IReadOnlyList<EvalPoint> arm)
    {
        if (baseline.Count == 0 || arm.Count == 0)
        {
            return (null, null, double.NaN, null, null);
        }
        double target = baseline[^1].CleanLoss;
        var b = FirstReach(baseline, target);
        var a = FirstReach(arm, target);
        if (b is null || a is null || a.Tokens <= 0 || a.TrainedTokens <= 0)
        {
            return (null, null, target, b, a);
        }
        return (b.Tokens / a.Tokens, b.TrainedTokens / a.TrainedTokens, target, b, a);
    }
}
