using Sift.Core;
using Sift.Core.Random;

namespace Sift.Synth;

/// <summary>Relative weights of the difficulty tiers in training problems.</summary>
public sealed record TierMix(double Easy = 0.5, double Medium = 0.3, double Hard = 0.2)
{
    /// <summary>Parses "easy=0.5,medium=0.3,hard=0.2" (missing tiers get weight 0); errors name the option.</summary>
    public static TierMix Parse(string text, string option = "--tiers")
    {
        double e = 0, m = 0, h = 0;
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2 || TierNames.Parse(kv[0].Trim()) is not Tier t
                || !double.TryParse(kv[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double w))
            {
                throw new SiftException($"{option} '{text}': expected tier=weight pairs, e.g. easy=0.5,medium=0.3,hard=0.2");
            }
            (e, m, h) = t switch { Tier.Easy => (w, m, h), Tier.Medium => (e, w, h), _ => (e, m, w) };
        }
        var mix = new TierMix(e, m, h);
        mix.Validate(option);
        return mix;
    }

    /// <summary>Throws when a weight is negative or all are zero.</summary>
    public void Validate(string option = "tiers")
    {
        if (!(Easy >= 0 && Medium >= 0 && Hard >= 0) || !(Easy + Medium + Hard > 0) || double.IsInfinity(Easy + Medium + Hard))
        {
            throw new SiftException($"{option}: tier weights must be ≥ 0 and not all 0, got easy={Easy}, medium={Medium}, hard={Hard}");
        }
    }

    /// <summary>Draws a tier.</summary>
    public Tier Draw(Rng rng)
    {
        double u = rng.NextDouble() * (Easy + Medium + Hard);
        return u < Easy ? Tier.Easy : u < Easy + Medium ? Tier.Medium : Tier.Hard;
    }

    /// <summary>"easy=0.5,medium=0.3,hard=0.2".</summary>
    public override string ToString() => FormattableString.Invariant($"easy={Easy},medium={Medium},hard={Hard}");
}
