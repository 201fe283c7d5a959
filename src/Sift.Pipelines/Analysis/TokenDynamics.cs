namespace Sift.Pipelines.Analysis;

/// <summary>Rho-1's four token categories (paper §2.1): how a token's loss moves over training.</summary>
internal enum LossCategory
{
    /// <summary>High → high: stays above the mean, no clear trend.</summary>
    HH,

    /// <summary>Low → high: the fitted loss rises by more than the threshold.</summary>
    LH,

    /// <summary>High → low: the fitted loss falls by more than the threshold (learned).</summary>
    HL,

    /// <summary>Low → low: stays at or below the mean, no clear trend (already known).</summary>
    LL,
}

/// <summary>Per-category results of <see cref="TokenDynamics.Classify"/>.</summary>
/// <param name="Category">Each token's category.</param>
/// <param name="Change">Each token's fitted loss change from the first to the last checkpoint.</param>
/// <param name="MeanLastLoss">Mean loss over all tokens at the last checkpoint (the H/L boundary).</param>
internal sealed record DynamicsResult(LossCategory[] Category, float[] Change, double MeanLastLoss);

/// <summary>
/// Token-loss dynamics across checkpoints, as in Rho-1 (§2.1, App. B.1): fit each token's losses l_c at
/// checkpoint positions x_c with a least-squares line, ΔL = fitted(x_last) − fitted(x_first); a token is
/// H→L when ΔL &lt; −threshold, L→H when ΔL &gt; +threshold, otherwise L→L or H→H by whether its loss at the
/// last checkpoint is at most the mean loss of all tokens there. The paper spaces checkpoints evenly and
/// uses their index as x; Sift uses the tokens processed at each checkpoint, which is the same for even
/// spacing and right for uneven spacing.
/// </summary>
internal static class TokenDynamics
{
    /// <summary>Stable display names ("H->H", ...).</summary>
    public static string Name(this LossCategory c) => c switch
    {
        LossCategory.HH => "H->H",
        LossCategory.LH => "L->H",
        LossCategory.HL => "H->L",
        _ => "L->L",
    };

    /// <summary>All categories in the paper's order.</summary>
    public static IReadOnlyList<LossCategory> All { get; } = [LossCategory.HH, LossCategory.LH, LossCategory.HL, LossCategory.LL];

    /// <summary>Classifies tokens from <paramref name="losses"/>[checkpoint][token] at positions <paramref name="x"/>.</summary>
    public static DynamicsResult Classify(IReadOnlyList<float[]> losses, IReadOnlyList<double> x, double threshold = 0.2)
    {
        int n = losses.Count;
        if (n < 2 || x.Count != n)
        {
            throw new ArgumentException($"need at least 2 checkpoints with one x each, got {n} and {x.Count}");
        }
        int tokens = losses[0].Length;
        if (losses.Any(l => l.Length != tokens))
        {
            throw new ArgumentException("every checkpoint needs a loss for every token");
        }
        // Least squares: slope = Σ (x−x̄)(l−l̄) / Σ (x−x̄)²; ΔL = slope · (x_last − x_first).
        double xm = x.Average(), sxx = x.Sum(v => (v - xm) * (v - xm));
        if (sxx <= 0)
        {
            throw new ArgumentException("checkpoint positions must not all be equal");
        }
        double span = x[n - 1] - x[0];
        double meanLast = losses[n - 1].Average(v => (double)v);
        var cat = new LossCategory[tokens];
        var change = new float[tokens];
        for (int j = 0; j < tokens; j++)
        {
            double sxl = 0;
            for (int c = 0; c < n; c++)
            {
                sxl += (x[c] - xm) * losses[c][j];
            }
            double d = sxl / sxx * span;
            change[j] = (float)d;
            cat[j] = d < -threshold ? LossCategory.HL
                : d > threshold ? LossCategory.LH
                : losses[n - 1][j] <= meanLast ? LossCategory.LL : LossCategory.HH;
        }
        return new DynamicsResult(cat, change, meanLast);
    }
}
