namespace Sift.Pipelines.Training.FineTuning;

/// <summary>DPO's per-pair loss variants (TRL's loss_type).</summary>
internal enum DpoLoss
{
    /// <summary>−(1−ε)·log σ(βΔ) − ε·log σ(−βΔ) (ε = label smoothing; ε = 0 is plain DPO).</summary>
    Sigmoid,

    /// <summary>max(0, 1 − βΔ) (SLiC).</summary>
    Hinge,

    /// <summary>(Δ̄ − 1/(2β))² on per-token-averaged log-ratios (IPO; β is the paper's τ).</summary>
    Ipo,
}

/// <summary>A loss value and its derivative with respect to the quantity it is a function of.</summary>
/// <param name="Loss">The loss.</param>
/// <param name="Grad">dLoss/dx.</param>
internal readonly record struct LossAndGrad(double Loss, double Grad);

/// <summary>
/// The preference losses of TRL (spec §3.1, §3.2) as scalar functions of sequence log-ratios, with their closed-form
/// derivatives. Objectives turn the derivative into per-token weights (log π = −Σ token losses), so the engine's
/// backward is the same as for language modeling.
/// </summary>
internal static class PreferenceLosses
{
    /// <summary>log σ(x) = −softplus(−x), stable for large |x|.</summary>
    public static double LogSigmoid(double x) => -Softplus(-x);

    /// <summary>softplus(x) = log(1 + eˣ), stable for large |x|.</summary>
    public static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    /// <summary>σ(x).</summary>
    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>
    /// DPO loss of one pair as a function of Δ = ρ_w − ρ_l (ρ = log π − log π_ref; for IPO the per-token averages), and dL/dΔ.
    /// </summary>
    public static LossAndGrad Dpo(DpoLoss kind, double delta, double beta, double labelSmoothing) => kind switch
    {
        DpoLoss.Sigmoid => new(
            (-(1 - labelSmoothing) * LogSigmoid(beta * delta)) - (labelSmoothing * LogSigmoid(-beta * delta)),
            (-(1 - labelSmoothing) * beta * Sigmoid(-beta * delta)) + (labelSmoothing * beta * Sigmoid(beta * delta))),
        DpoLoss.Hinge => 1 - (beta * delta) > 0 ? new(1 - (beta * delta), -beta) : new(0, 0),
        DpoLoss.Ipo => new(Math.Pow(delta - (1 / (2 * beta)), 2), 2 * (delta - (1 / (2 * beta)))),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// KTO loss of one example as a function of its log-ratio r, given the detached KL estimate z0 ≥ 0, and dL/dr:
    /// desirable λ_D·(1 − σ(β(r − z0))), undesirable λ_U·(1 − σ(β(z0 − r))).
    /// </summary>
    public static LossAndGrad Kto(bool desirable, double r, double z0, double beta, double desirableWeight, double undesirableWeight)
    {
        if (desirable)
        {
            double s = Sigmoid(beta * (r - z0));
            return new(desirableWeight * (1 - s), -desirableWeight * beta * s * (1 - s));
        }
        double u = Sigmoid(beta * (z0 - r));
        return new(undesirableWeight * (1 - u), undesirableWeight * beta * u * (1 - u));
    }

    /// <summary>KTO's KL estimate: the batch mean of the mismatched pairs' log-ratios, clamped at 0 (no gradient flows through it).</summary>
    public static double KtoKl(ReadOnlySpan<double> mismatchedLogRatios)
    {
        if (mismatchedLogRatios.IsEmpty)
        {
            return 0;
        }
        double sum = 0;
        foreach (double x in mismatchedLogRatios)
        {
            sum += x;
        }
        return Math.Max(0, sum / mismatchedLogRatios.Length);
    }
}
