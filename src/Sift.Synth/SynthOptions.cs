using Sift.Core;
using Sift.Synth.Web;

namespace Sift.Synth;

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

    /// <summary>Tier weights of training problems (clean and web).</summary>
    public TierMix Tiers { get; init; } = new();

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
        Web.Validate("web");
    }
}
