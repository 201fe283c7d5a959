namespace Sift.Synth;

/// <summary>Difficulty of a word problem.</summary>
public enum Tier
{
    /// <summary>Small operands (2–9), one or two steps: learnable by a ~1M-parameter model in minutes.</summary>
    Easy,

    /// <summary>Operands up to a few hundred, two or three steps, percentages, fractions and ratios.</summary>
    Medium,

    /// <summary>Larger operands, three to five steps, money with cents.</summary>
    Hard,
}

/// <summary>Names of tiers as written in JSONL and metrics.</summary>
public static class TierNames
{
    /// <summary>All tiers, easiest first.</summary>
    public static IReadOnlyList<Tier> All { get; } = [Tier.Easy, Tier.Medium, Tier.Hard];

    /// <summary>"easy", "medium" or "hard".</summary>
    public static string Name(this Tier t) => t switch
    {
        Tier.Easy => "easy",
        Tier.Medium => "medium",
        _ => "hard",
    };

    /// <summary>Parses "easy,medium" into tiers in the order given; errors name <paramref name="option"/>.</summary>
    public static IReadOnlyList<Tier> ParseList(string text, string option)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var tiers = names.Select(n => Parse(n) ?? throw new Sift.Core.SiftException($"{option} '{text}': unknown tier '{n}' (easy, medium, hard)")).ToList();
        if (tiers.Count == 0 || tiers.Distinct().Count() != tiers.Count)
        {
            throw new Sift.Core.SiftException($"{option} '{text}': expected one or more distinct tiers, e.g. easy or easy,medium,hard");
        }
        return tiers;
    }

    /// <summary>"easy,medium,hard".</summary>
    public static string Format(IEnumerable<Tier> tiers) => string.Join(",", tiers.Select(t => t.Name()));

    /// <summary>Parses a tier name; null when unknown.</summary>
    public static Tier? Parse(string name) => name switch
    {
        "easy" => Tier.Easy,
        "medium" => Tier.Medium,
        "hard" => Tier.Hard,
        _ => null,
    };
}
