using Sift.Data.Examples;

namespace Sift.Pipelines.SelfTrain;

/// <summary>
/// One training example, a line of an iteration's <c>examples.jsonl</c> in TRL's fields: <c>prompt</c> with
/// <c>completion</c> (sft), <c>chosen</c>/<c>rejected</c> (pairs) or <c>completion</c>/<c>label</c> (kto);
/// <c>problem</c> and <c>source</c> say where it came from (the packer ignores them).
/// </summary>
internal sealed record SelfTrainExample
{
    /// <summary>Index of the problem.</summary>
    public int Problem { get; init; }

    /// <summary>What made it: "sample:N", "teacher", "pair:I-J" (positive, negative positions), "repair:N" (the failed sample).</summary>
    public string Source { get; init; } = "";

    /// <summary>The prompt.</summary>
    public string Prompt { get; init; } = "";

    /// <summary>sft, kto: the completion.</summary>
    public string? Completion { get; init; }

    /// <summary>pairs: the preferred completion.</summary>
    public string? Chosen { get; init; }

    /// <summary>pairs: the rejected completion.</summary>
    public string? Rejected { get; init; }

    /// <summary>kto: true for a desirable completion.</summary>
    public bool? Label { get; init; }
}

/// <summary>An iteration's examples and what went into them.</summary>
/// <param name="Kind">sft (SAFE), pairs (DPO) or kto.</param>
/// <param name="Examples">The examples, problem by problem.</param>
/// <param name="Counts">Counts of the construction.</param>
internal sealed record ExampleBuild(ExampleKind Kind, List<SelfTrainExample> Examples, ExampleCounts Counts);

/// <summary>Counts of an iteration's data construction.</summary>
internal sealed record ExampleCounts
{
    /// <summary>Positive solutions (Orca: correct samples + teacher solutions; SAFE: verified samples).</summary>
    public int Positives { get; init; }

    /// <summary>Negative solutions (incorrect samples).</summary>
    public int Negatives { get; init; }

    /// <summary>Teacher solutions among the positives.</summary>
    public int TeacherPositives { get; init; }

    /// <summary>DPO pairs kept.</summary>
    public int Pairs { get; init; }

    /// <summary>DPO pairs left out by the per-problem cap.</summary>
    public int PairsCapped { get; init; }

    /// <summary>SAFE: repair examples (failed attempt + feedback → a verified solution).</summary>
    public int Repairs { get; init; }

    /// <summary>SAFE: failures with no verified sample and no teacher solution to repair them with.</summary>
    public int Unrepairable { get; init; }

    /// <summary>Problems whose samples were all correct.</summary>
    public int ProblemsAllCorrect { get; init; }

    /// <summary>Problems whose samples were all wrong.</summary>
    public int ProblemsAllWrong { get; init; }
}

/// <summary>
/// The data rules of the loop, on graded samples.
/// <para>Orca-Math (dpo, kto): positives are a problem's correct samples plus the teacher solution when the problem has
/// one (so a problem with a teacher solution has ≥ 1 positive); negatives are its incorrect samples. KTO takes every
/// solution with its label (per problem positives, then negatives; problems taken round-robin). DPO takes every
/// positive × negative pair, in the order (i + j, i) over the positive i and negative j, keeping the first
/// <c>maxPairs</c> when capped. A problem whose samples
/// are all correct has no negative: no DPO pair, while KTO keeps its positives (the paper's rule).</para>
/// <para>SAFE: each correct sample is an SFT example; each failed sample becomes a repair example whose prompt is the
/// problem's prompt, the failed attempt and the verifier's feedback (<see cref="RepairPrompt"/>) and whose completion is
/// a correct sample of the same problem (the f-th failure takes correct sample f mod count) or, when there is none, the
/// teacher solution; a failure with neither is counted as unrepairable.</para>
/// </summary>
internal static class SelfTrainExamples
{
    /// <summary>A SAFE repair prompt: the problem's prompt, the failed attempt, the verifier's feedback, and the cue for the corrected solution.</summary>
    public static string RepairPrompt(string prompt, string attempt, string feedback) =>
        $"{prompt}{attempt.TrimEnd()}\nFeedback: {feedback}\nCorrected solution:\n";

    /// <summary>Builds the examples of <paramref name="rule"/> from <paramref name="samples"/> (any order; grouped by problem here).</summary>
    public static ExampleBuild Build(SelfTrainRule rule, IReadOnlyList<SelfTrainProblem> problems, IReadOnlyList<SelfTrainSample> samples, string promptTemplate, int maxPairs = 0)
    {
        var byProblem = samples.GroupBy(s => s.Problem).ToDictionary(g => g.Key, g => g.OrderBy(s => s.Sample).ToList());
        var examples = new List<SelfTrainExample>();
        var kto = new List<List<SelfTrainExample>>();
        int positives = 0, negatives = 0, teacher = 0, pairs = 0, capped = 0, repairs = 0, unrepairable = 0, allRight = 0, allWrong = 0;
        foreach (var p in problems)
        {
            if (!byProblem.TryGetValue(p.Index, out var mine))
            {
                continue; // not sampled (yet): no data, not even its teacher solution
            }
            string prompt = SelfTrainSampler.Prompt(promptTemplate, p.Question);
            var right = mine.Where(s => s.Correct).ToList();
            var wrong = mine.Where(s => !s.Correct).ToList();
            allRight += wrong.Count == 0 ? 1 : 0;
            allWrong += right.Count == 0 ? 1 : 0;
            negatives += wrong.Count;
            if (rule == SelfTrainRule.Safe)
            {
                positives += right.Count;
                examples.AddRange(right.Select(s => new SelfTrainExample { Problem = p.Index, Source = $"sample:{s.Sample}", Prompt = prompt, Completion = s.Completion }));
                for (int f = 0; f < wrong.Count; f++)
                {
                    string? fix = right.Count > 0 ? right[f % right.Count].Completion : p.Solution;
                    if (fix is null)
                    {
                        unrepairable++;
                        continue;
                    }
                    repairs++;
                    var s = wrong[f];
                    examples.Add(new SelfTrainExample
                    {
                        Problem = p.Index,
                        Source = $"repair:{s.Sample}",
                        Prompt = RepairPrompt(prompt, s.Completion, s.Feedback ?? "The final answer is incorrect."),
                        Completion = fix,
                    });
                }
                continue;
            }
            var pos = right.Select(s => (Source: $"sample:{s.Sample}", Text: s.Completion)).ToList();
            if (p.Solution is not null)
            {
                pos.Add(("teacher", p.Solution));
                teacher++;
            }
            var neg = wrong.Select(s => (Source: $"sample:{s.Sample}", Text: s.Completion)).ToList();
            positives += pos.Count;
            if (rule == SelfTrainRule.Kto)
            {
                kto.Add([
                    .. pos.Select(x => new SelfTrainExample { Problem = p.Index, Source = x.Source, Prompt = prompt, Completion = x.Text, Label = true }),
                    .. neg.Select(x => new SelfTrainExample { Problem = p.Index, Source = x.Source, Prompt = prompt, Completion = x.Text, Label = false }),
                ]);
                continue;
            }
            var order = (from i in Enumerable.Range(0, pos.Count) from j in Enumerable.Range(0, neg.Count) select (i, j))
                .OrderBy(ij => ij.i + ij.j).ThenBy(ij => ij.i).ToList();
            int keep = maxPairs > 0 ? Math.Min(maxPairs, order.Count) : order.Count;
            capped += order.Count - keep;
            pairs += keep;
            examples.AddRange(order.Take(keep).Select(ij => new SelfTrainExample
            {
                Problem = p.Index,
                Source = $"pair:{pos[ij.i].Source}>{neg[ij.j].Source}",
                Prompt = prompt,
                Chosen = pos[ij.i].Text,
                Rejected = neg[ij.j].Text,
            }));
        }
        // KTO: round-robin over problems, so the packer's KL document (this prompt with the next example's completion)
        // pairs a prompt with another problem's solution, as TRL's in-batch rotation over shuffled data does.
        for (int round = 0; kto.Any(l => l.Count > round); round++)
        {
            examples.AddRange(kto.Where(l => l.Count > round).Select(l => l[round]));
        }
        var kind = rule switch
        {
            SelfTrainRule.Dpo => ExampleKind.Pairs,
            SelfTrainRule.Kto => ExampleKind.Kto,
            _ => ExampleKind.Sft,
        };
        return new ExampleBuild(kind, examples, new ExampleCounts
        {
            Positives = positives,
            Negatives = negatives,
            TeacherPositives = teacher,
            Pairs = pairs,
            PairsCapped = capped,
            Repairs = repairs,
            Unrepairable = unrepairable,
            ProblemsAllCorrect = allRight,
            ProblemsAllWrong = allWrong,
        });
    }

    /// <summary>Why these examples cannot be trained on (null when they can).</summary>
    public static string? Untrainable(ExampleBuild b) => b.Kind switch
    {
        ExampleKind.Pairs when b.Counts.Pairs == 0 => "no DPO pair (no problem has both a positive and a negative solution)",
        ExampleKind.Kto when b.Counts.Positives == 0 || b.Counts.Negatives == 0 =>
            $"KTO needs desirable and undesirable examples; there are {b.Counts.Positives} positives and {b.Counts.Negatives} negatives",
        ExampleKind.Sft when b.Examples.Count == 0 => "no verified sample and no repairable failure",
        _ => null,
    };
}
