namespace Sift.Eval.Metrics;

/// <summary>Groups a problem's answers into vote classes, in order of first appearance.</summary>
internal interface IVoteKey
{
    /// <summary>Class per answer: 0, 1, ... in order of first appearance; -1 for an answer that cannot vote.</summary>
    IReadOnlyList<int> Classes(IReadOnlyList<string> answers);
}

/// <summary>
/// Exact string votes, every answer included (even ""): what Qwen2.5-Math's <c>rm_maj_eval.py</c> does with the
/// harness's normalised predictions, so compat maj@k reproduces published numbers.
/// </summary>
internal sealed class ExactVote : IVoteKey
{
    /// <summary>The shared instance.</summary>
    public static ExactVote Instance { get; } = new();

    /// <inheritdoc />
    public IReadOnlyList<int> Classes(IReadOnlyList<string> answers)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        return answers.Select(a => ids.TryGetValue(a, out int c) ? c : ids[a] = ids.Count).ToArray();
    }
}

/// <summary>
/// Votes by mathematical equivalence: an answer joins the first earlier class whose representative (its first
/// answer) it equals under <paramref name="equal"/>(representative, answer); empty answers do not vote. Distinct
/// strings are compared once each, so k samples with d distinct answers cost at most d²/2 comparisons.
/// </summary>
internal sealed class EquivalenceVote(Func<string, string, bool> equal) : IVoteKey
{
    /// <inheritdoc />
    public IReadOnlyList<int> Classes(IReadOnlyList<string> answers)
    {
        var byString = new Dictionary<string, int>(StringComparer.Ordinal);
        var representatives = new List<string>();
        var result = new int[answers.Count];
        for (int i = 0; i < answers.Count; i++)
        {
            string a = answers[i].Trim();
            if (a.Length == 0)
            {
                result[i] = -1;
                continue;
            }
            if (!byString.TryGetValue(a, out int c))
            {
                c = representatives.FindIndex(r => equal(r, a));
                if (c < 0)
                {
                    c = representatives.Count;
                    representatives.Add(a);
                }
                byString[a] = c;
            }
            result[i] = c;
        }
        return result;
    }
}
