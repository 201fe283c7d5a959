namespace Sift.Eval.Metrics;

/// <summary>
/// Pickers of one sample out of a subset of a problem's samples: majority vote, reward-weighted majority vote and
/// best-of-N by score. Each pick is a function of the subset as a set (the order of <c>chosen</c> never matters), so
/// curves over random subsets have a well-defined expectation. Ties go to the lowest sample index: for a prefix
/// 0..k-1 that is Python's <c>Counter.most_common</c> (first seen) and <c>list.index(max(...))</c> (first maximum),
/// which is how Qwen2.5-Math's <c>rm_maj_eval.py</c> and RLHFlow break them.
/// </summary>
internal static class Selection
{
    /// <summary>
    /// Majority vote: the class with most samples; ties to the class whose first sample has the lowest index; returns
    /// that first sample. Samples of class -1 (no answer) do not vote; when none can vote the lowest chosen index is
    /// returned. -1 for an empty subset.
    /// </summary>
    public static int Majority(IReadOnlyList<int> classes, ReadOnlySpan<int> chosen)
    {
        int[] cls = AsArray(classes);
        return new VoteTally(ClassCount(cls)).Pick(chosen, cls, default).Majority;
    }

    /// <summary>
    /// Reward-weighted majority vote (Σ score over the samples of each class; Math-Shepherd §3.4, Snell et al.'s
    /// "best-of-N weighted"): the class with the largest sum, ties (equal sums) to the lowest first index; returns the
    /// class's first sample. Scores are summed as given, so they should be non-negative (probabilities); no-answer
    /// samples do not vote. -1 for an empty subset.
    /// </summary>
    public static int WeightedMajority(IReadOnlyList<int> classes, IReadOnlyList<double> scores, ReadOnlySpan<int> chosen)
    {
        int[] cls = AsArray(classes);
        double[] sc = scores as double[] ?? [.. scores];
        return new VoteTally(ClassCount(cls)).Pick(chosen, cls, sc).Weighted;
    }

    /// <summary>The chosen sample with the highest score, ties to the lowest index; -1 when no chosen sample has a score.</summary>
    public static int BestByScore(IReadOnlyList<SampleOutcome> samples, ReadOnlySpan<int> chosen)
    {
        var scores = new double[samples.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = samples[i].Score ?? double.NaN;
        }
        return Best(chosen, scores);
    }

    /// <summary>Best-of-N over flat scores (NaN = no score): the highest, ties to the lowest index; -1 when none has a score.</summary>
    internal static int Best(ReadOnlySpan<int> chosen, ReadOnlySpan<double> scores)
    {
        int best = -1;
        double bestScore = double.NegativeInfinity;
        foreach (int s in chosen)
        {
            if (Better(scores[s], s, bestScore, best))
            {
                best = s;
                bestScore = scores[s];
            }
        }
        return best;
    }

    /// <summary>The best-of-N order: a higher score wins, an equal one goes to the lower index; NaN (no score) never wins.</summary>
    internal static bool Better(double v, int s, double bestScore, int best) =>
        !double.IsNaN(v) && (best < 0 || v > bestScore || (v == bestScore && s < best));

    internal static int[] AsArray(IReadOnlyList<int> classes) => classes as int[] ?? [.. classes];

    internal static int ClassCount(ReadOnlySpan<int> classes)
    {
        int max = -1;
        foreach (int c in classes)
        {
            max = Math.Max(max, c);
        }
        return max + 1;
    }
}

/// <summary>The picks from one subset (sample indices, -1 for none) and whether any chosen sample is correct.</summary>
internal readonly record struct Picks(int Majority, int Weighted, int Best, bool AnyCorrect);

/// <summary>
/// Reusable vote counters for one problem's classes (0..classes-1): one pass over the subset accumulates counts, score
/// sums, each class's lowest chosen index, the best score and whether any sample is correct, and lists the classes
/// seen; the vote winners are then picked (and the counters reset) over those classes only. O(|chosen|), no
/// allocation. Not thread-safe; one per worker.
/// </summary>
internal sealed class VoteTally(int classes)
{
    private readonly int[] _count = new int[Math.Max(1, classes)];
    private readonly double[] _weight = new double[Math.Max(1, classes)];
    private readonly int[] _first = new int[Math.Max(1, classes)];
    private readonly int[] _seen = new int[Math.Max(1, classes)];

    /// <summary>
    /// Majority, weighted-majority (-1 when <paramref name="scores"/> is empty) and best-score picks of
    /// <paramref name="chosen"/>; AnyCorrect reads <paramref name="correct"/> when given.
    /// </summary>
    public Picks Pick(ReadOnlySpan<int> chosen, ReadOnlySpan<int> cls, ReadOnlySpan<double> scores, ReadOnlySpan<bool> correct = default)
    {
        if (chosen.Length == 0)
        {
            return new Picks(-1, -1, -1, false);
        }
        bool weighted = scores.Length > 0, known = correct.Length > 0, any = false;
        int lowest = int.MaxValue, best = -1, seen = 0;
        double bestScore = double.NegativeInfinity;
        foreach (int s in chosen)
        {
            lowest = Math.Min(lowest, s);
            if (known)
            {
                any |= correct[s];
            }
            if (weighted && Selection.Better(scores[s], s, bestScore, best))
            {
                best = s;
                bestScore = scores[s];
            }
            int c = cls[s];
            if (c < 0)
            {
                continue;
            }
            if (_count[c]++ == 0)
            {
                _seen[seen++] = c;
                _first[c] = s;
                _weight[c] = 0;
            }
            else if (s < _first[c])
            {
                _first[c] = s;
            }
            if (weighted)
            {
                _weight[c] += scores[s];
            }
        }
        int maj = -1, wtd = -1;
        foreach (int c in _seen.AsSpan(0, seen))
        {
            if (maj < 0 || _count[c] > _count[maj] || (_count[c] == _count[maj] && _first[c] < _first[maj]))
            {
                maj = c;
            }
            if (wtd < 0 || _weight[c] > _weight[wtd] || (_weight[c] == _weight[wtd] && _first[c] < _first[wtd]))
            {
                wtd = c;
            }
        }
        // Read the winners' first samples before clearing the counts.
        int majPick = maj < 0 ? lowest : _first[maj];
        int wtdPick = !weighted ? -1 : wtd < 0 ? lowest : _first[wtd];
        foreach (int c in _seen.AsSpan(0, seen))
        {
            _count[c] = 0;
        }
        return new Picks(majPick, wtdPick, best, any);
    }
}
