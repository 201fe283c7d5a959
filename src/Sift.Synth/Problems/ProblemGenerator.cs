using Sift.Core.Random;

namespace Sift.Synth.Problems;

/// <summary>
/// Draws word problems from the templates with a seeded generator. Problems whose key (template, tier,
/// numbers) is in <c>excludedKeys</c> are redrawn, so training data never contains an evaluation instance.
/// </summary>
internal sealed partial class ProblemGenerator
{
    private const int MaxAttempts = 10_000;
    private readonly Rng _rng;
    private readonly NamePool _names;
    private readonly IReadOnlySet<string>? _excluded;
    private readonly EvalDistinct _distinct;

    public ProblemGenerator(Rng rng, NamePool names, IReadOnlySet<string>? excludedKeys = null, EvalDistinct distinct = EvalDistinct.Numbers)
    {
        _rng = rng;
        _names = names;
        _excluded = excludedKeys;
        _distinct = distinct;
    }

    /// <summary>A correct problem of <paramref name="tier"/>.</summary>
    public SynthProblem Next(Tier tier) => Next(tier, wrong: false);

    /// <summary>A problem of <paramref name="tier"/> whose worked solution has one wrong step, propagated to the answer.</summary>
    public SynthProblem NextWrong(Tier tier) => Next(tier, wrong: true);

    /// <summary>A correct problem of a given template (for tests and examples).</summary>
    public SynthProblem Next(ProblemTemplate template, Tier tier) => Draw(template, tier, wrong: false)
        ?? throw new InvalidOperationException($"template {template.Id} ({tier.Name()}) produced no clean draw in {MaxAttempts} attempts");

    private SynthProblem Next(Tier tier, bool wrong)
    {
        var templates = TemplateCatalog.For(tier);
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var t = templates[_rng.NextInt(templates.Count)];
            if (Draw(t, tier, wrong) is { } p)
            {
                return p;
            }
        }
        throw new InvalidOperationException($"no template produced a clean {tier.Name()} problem");
    }

    private SynthProblem? Draw(ProblemTemplate t, Tier tier, bool wrong)
    {
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var start = _rng.State;
            var replay = new Rng(0) { State = start };
            var clean = TryBuild(t, tier, replay, -1, null);
            _rng.State = replay.State; // the next draw starts where this one's draws ended
            if (clean is null)
            {
                continue;
            }
            var (draw, answer) = clean.Value;
            string question = draw.Question.ToString();
            string key = _distinct == EvalDistinct.Numbers ? KeyOf(t, tier, question) : $"{t.Id}|{tier.Name()}|{question}";
            if (_excluded is not null && _excluded.Contains(key))
            {
                continue;
            }
            if (!wrong)
            {
                return Finish(t, tier, key, draw, answer, false);
            }
            // The same numbers with one step perturbed; a perturbation that makes a later step unclean is retried.
            for (int c = 0; c < 20; c++)
            {
                int step = _rng.NextInt(draw.Steps);
                var corrupt = TryBuild(t, tier, new Rng(0) { State = start }, step, new Rng(_rng.NextUInt64()));
                if (corrupt is { } cw && cw.Draw.Corrupted)
                {
                    return Finish(t, tier, key, cw.Draw, cw.Answer, true);
                }
            }
        }
        return null;
    }

    private (ProblemDraw Draw, Quantity Answer)? TryBuild(ProblemTemplate t, Tier tier, Rng rng, int corruptStep, Rng? corruptRng)
    {
        var draw = new ProblemDraw(rng, tier, _names, corruptStep, corruptRng);
        try
        {
            var answer = t.Build(draw);
            return (draw, answer);
        }
        catch (RejectDraw)
        {
            return null;
        }
    }

    /// <summary>
    /// The instance key: template, tier and the numbers of the question in order. Two draws with the same key
    /// pose the same problem (only names and items differ), whatever random path produced the numbers.
    /// </summary>
    internal static string KeyOf(ProblemTemplate t, Tier tier, string question) =>
        $"{t.Id}|{tier.Name()}|{string.Join(',', NumberPattern().Matches(question).Select(m => m.Value))}";

    [System.Text.RegularExpressions.GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial System.Text.RegularExpressions.Regex NumberPattern();

    private static SynthProblem Finish(ProblemTemplate t, Tier tier, string key, ProblemDraw d, Quantity answer, bool wrong)
    {
        d.Say("#### ");
        d.Solution.Append(answer.Plain, answer.Wrong ? Provenance.WrongNumber : wrong ? Provenance.WrongContext : Provenance.Clean);
        var text = new LabeledText().Append(d.Question).Append("\n", wrong ? Provenance.WrongContext : Provenance.Clean).Append(d.Solution);
        string solution = d.Solution.ToString();
        return new SynthProblem(d.Question.ToString(), solution, answer.Plain, tier, t.Id, key, text, wrong);
    }
}
