using Sift.Core.Random;
using Sift.Synth.Problems;
using Sift.Synth.Web;

namespace Sift.Synth;

/// <summary>A clean-corpus document: a word problem ("question\nsolution") or a math prose passage.</summary>
/// <param name="Text">The document text.</param>
/// <param name="Kind">"problem" or "math_prose".</param>
/// <param name="Tier">The problem's tier (null for prose).</param>
/// <param name="Template">The problem's template id, or the passage title.</param>
public sealed record CleanDocument(string Text, string Kind, Tier? Tier, string Template);

/// <summary>
/// The built-in corpus, deterministic by seed: held-out evaluation problems, a clean corpus for the reference
/// model, and a crawl-like web corpus with per-character provenance. Each part draws from its own seeded
/// stream. Evaluation problems are disjoint from training by construction: training draws never reuse an
/// evaluation problem's key (template, tier and the numbers of its question), so no evaluation instance is
/// ever trained on. Names and items come from the same pools as training (an evaluation-only name pool was
/// tried: unseen names are untrained token sequences and raised the easy tier's held-out loss by ~1.5
/// nats, measuring tokenisation shift rather than problem solving).
/// </summary>
public sealed class SynthCorpus
{
    private const ulong EvalStream = 0xE7A1, CleanStream = 0xC1EA, WebStream = 0x3EB0;
    private readonly SynthOptions _o;
    private readonly HashSet<string> _evalKeys;

    /// <summary>Validates the options and draws the evaluation set.</summary>
    public SynthCorpus(SynthOptions options)
    {
        options.Validate();
        _o = options;
        var gen = new ProblemGenerator(StreamRng(EvalStream), NamePool.Train, null, options.EvalDistinct);
        var eval = new List<SynthProblem>();
        _evalKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tier in TierNames.All.Where(options.EvalTiers.Contains))
        {
            int have = 0, attempts = 0;
            while (have < options.EvalPerTier)
            {
                if (++attempts > options.EvalPerTier * 100)
                {
                    throw new Sift.Core.SiftException($"eval_per_tier {options.EvalPerTier}: could not draw that many distinct {tier.Name()} problems" +
                        (options.EvalDistinct == EvalDistinct.Numbers ? " (the tier's number space is too small; eval_distinct=instances holds out other instances of trained numbers)" : ""));
                }
                var p = gen.Next(tier);
                if (_evalKeys.Add(p.Key))
                {
                    eval.Add(p);
                    have++;
                }
            }
        }
        Eval = eval;
    }

    /// <summary>The options.</summary>
    public SynthOptions Options => _o;

    /// <summary>Held-out problems, tier by tier.</summary>
    public IReadOnlyList<SynthProblem> Eval { get; }

    /// <summary>The keys of every evaluation problem (excluded from training): template, tier and numbers, or the whole question (<see cref="SynthOptions.EvalDistinct"/>).</summary>
    public IReadOnlySet<string> EvalKeys => _evalKeys;

    /// <summary>The clean corpus (each enumeration starts over and yields the same documents).</summary>
    public IEnumerable<CleanDocument> CleanDocuments()
    {
        var rng = StreamRng(CleanStream);
        var gen = new ProblemGenerator(new Rng(rng.NextUInt64()), NamePool.Train, _evalKeys, _o.EvalDistinct);
        for (int i = 0; i < _o.CleanDocuments; i++)
        {
            if (rng.NextDouble() < _o.CleanMathProseShare)
            {
                var (title, body) = MathProse.Passage(rng);
                yield return new CleanDocument(title + "\n" + body, "math_prose", null, title);
                continue;
            }
            var p = gen.Next(_o.Tiers.Draw(rng));
            yield return new CleanDocument(p.Text.ToString(), "problem", p.Tier, p.Template);
        }
    }

    /// <summary>The web corpus: pages until <see cref="SynthOptions.WebChars"/> characters (each enumeration starts over).</summary>
    public IEnumerable<LabeledText> WebDocuments()
    {
        if (_o.WebChars == 0)
        {
            yield break;
        }
        var rng = StreamRng(WebStream);
        var gen = new ProblemGenerator(new Rng(rng.NextUInt64()), NamePool.Train, _evalKeys, _o.EvalDistinct);
        var tierRng = new Rng(rng.NextUInt64());
        var tiers = _o.WebTiers ?? _o.Tiers;
        var web = new WebDocumentGenerator(rng, _o.Web, gen, _ => tiers.Draw(tierRng));
        while (web.TotalChars < _o.WebChars)
        {
            yield return web.Next();
        }
    }

    private Rng StreamRng(ulong stream) => new(_o.Seed ^ (stream * 0xD1B54A32D192ED03UL));
}
