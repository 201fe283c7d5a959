using Sift.Core;
using Sift.Synth.Web;

namespace Sift.Synth;

/// <summary>How held-out problems are kept out of training (<see cref="SynthOptions.EvalDistinct"/>).</summary>
public enum EvalDistinct
{
    /// <summary>No training problem has a held-out problem's template, tier and numbers.</summary>
    Numbers,

    /// <summary>No training problem has a held-out problem's text (names, items and numbers together).</summary>
    Instances,
}

/// <summary>What `sift data synth` generates. Defaults are sized for the 15-minute demo on 2 cores.</summary>
public sealed record SynthOptions
{
    /// <summary>Seed: the same seed and options give the same corpus, byte for byte.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Clean documents for the reference model (word problems and math prose passages).</summary>
    public int CleanDocuments { get; init; } = 20_000;

    /// <summary>Share of clean documents that are math prose passages rather than word problems.</summary>
    public double CleanMathProseShare { get; init; } = 0.15;

    /// <summary>Characters of crawl-like web text (the students' corpus).</summary>
    public long WebChars { get; init; } = 4_000_000;

    /// <summary>Held-out evaluation problems per tier.</summary>
    public int EvalPerTier { get; init; } = 100;

    /// <summary>Tier weights of training problems (the clean corpus, and the web's unless <see cref="WebTiers"/> is set).</summary>
    public TierMix Tiers { get; init; } = new();

    /// <summary>Tier weights of the web corpus's problems, or null for <see cref="Tiers"/>.</summary>
    public TierMix? WebTiers { get; init; }

    /// <summary>Tiers that get held-out problems (<see cref="EvalPerTier"/> each), easiest first.</summary>
    public IReadOnlyList<Tier> EvalTiers { get; init; } = TierNames.All;

    /// <summary>
    /// What no training problem may share with a held-out one: <see cref="EvalDistinct.Numbers"/> (template, tier and
    /// the question's numbers) or <see cref="EvalDistinct.Instances"/> (the whole question text: the same numbers may
    /// be trained on in other words, with other names and items). A tier's number space bounds how many held-out
    /// problems it can have under the first rule (about 800 for the easy tier).
    /// </summary>
    public EvalDistinct EvalDistinct { get; init; } = EvalDistinct.Numbers;

    /// <summary>The web mixture.</summary>
    public WebMixture Web { get; init; } = new();

    /// <summary>Word n-gram length of the contamination check.</summary>
    public int OverlapN { get; init; } = 13;

    /// <summary>Largest allowed share of an evaluation problem's n-grams that also occur in training text.</summary>
    public double MaxOverlap { get; init; } = 0.8;

    /// <summary>Throws a <see cref="SiftException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (CleanDocuments < 1)
        {
            throw new SiftException($"clean_documents: expected at least 1, got {CleanDocuments}");
        }
        if (!(CleanMathProseShare >= 0 && CleanMathProseShare < 1))
        {
            throw new SiftException($"clean_math_prose_share: expected a share in [0, 1), got {CleanMathProseShare}");
        }
        if (WebChars < 0)
        {
            throw new SiftException($"web_chars: expected ≥ 0, got {WebChars}");
        }
        if (EvalPerTier < 1)
        {
            throw new SiftException($"eval_per_tier: expected at least 1, got {EvalPerTier}");
        }
        if (OverlapN < 4 || OverlapN > 64)
        {
            throw new SiftException($"overlap_n: expected 4 .. 64 words, got {OverlapN}");
        }
        if (!(MaxOverlap >= 0 && MaxOverlap <= 1))
        {
            throw new SiftException($"max_overlap: expected a share in [0, 1], got {MaxOverlap}");
        }
        Tiers.Validate("tiers");
        WebTiers?.Validate("web_tiers");
        if (EvalTiers.Count == 0 || EvalTiers.Distinct().Count() != EvalTiers.Count)
        {
            throw new SiftException($"eval_tiers: expected one or more distinct tiers, got {string.Join(",", EvalTiers.Select(t => t.Name()))}");
        }
        Web.Validate("web");
    }
}
