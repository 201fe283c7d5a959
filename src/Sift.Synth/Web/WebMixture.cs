using Sift.Core;

namespace Sift.Synth.Web;

/// <summary>
/// What the synthetic crawl is made of. <see cref="NoiseShare"/> is the share of characters that are noise;
/// the weights split the noise between kinds (they need not sum to 1). Page chrome (headers and footers)
/// counts as boilerplate. Each page gets its own noise share, drawn within ±<see cref="PageJitter"/> of the
/// target, so some pages are nearly clean and others nearly all noise, as in a real crawl.
/// </summary>
public sealed record WebMixture
{
    /// <summary>Target share of noise characters in [0, 1].</summary>
    public double NoiseShare { get; init; } = 0.5;

    /// <summary>Weight of navigation, cookie notices, share buttons, footers.</summary>
    public double Boilerplate { get; init; } = 0.25;

    /// <summary>Weight of URLs, hashes and identifiers.</summary>
    public double Ids { get; init; } = 0.2;

    /// <summary>Weight of tables of random numbers.</summary>
    public double Tables { get; init; } = 0.2;

    /// <summary>Weight of off-topic prose.</summary>
    public double Prose { get; init; } = 0.2;

    /// <summary>Weight of worked problems with a wrong step (wrong-context text plus wrong numbers).</summary>
    public double WrongArithmetic { get; init; } = 0.15;

    /// <summary>Share of the clean characters that are expository math prose (the rest are word problems).</summary>
    public double MathProseShare { get; init; } = 0.15;

    /// <summary>Per-page spread of the noise share.</summary>
    public double PageJitter { get; init; } = 0.25;

    /// <summary>The noise weights in kind order: boilerplate, ids, tables, prose, wrong arithmetic.</summary>
    internal double[] Weights => [Boilerplate, Ids, Tables, Prose, WrongArithmetic];

    /// <summary>Throws a <see cref="SiftException"/> naming the first bad field.</summary>
    public void Validate(string prefix = "web")
    {
        void Share(string name, double v)
        {
            if (!(v >= 0 && v <= 1))
            {
                throw new SiftException($"{prefix}.{name}: expected a share in [0, 1], got {v}");
            }
        }
        Share("noise_share", NoiseShare);
        Share("math_prose_share", MathProseShare);
        Share("page_jitter", PageJitter);
        foreach (var (name, v) in new[] { ("boilerplate", Boilerplate), ("ids", Ids), ("tables", Tables), ("prose", Prose), ("wrong_arithmetic", WrongArithmetic) })
        {
            if (!(v >= 0) || double.IsInfinity(v))
            {
                throw new SiftException($"{prefix}.{name}: expected a weight ≥ 0, got {v}");
            }
        }
        if (NoiseShare > 0 && Weights.Sum() <= 0)
        {
            throw new SiftException($"{prefix}: noise_share is {NoiseShare} but every noise weight is 0; give at least one kind a positive weight");
        }
    }
}
