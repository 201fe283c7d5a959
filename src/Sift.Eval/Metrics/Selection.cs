namespace Sift.Eval.Metrics;

/// <summary>Pickers of one sample out of several: majority vote and best-of-N by score.</summary>
internal static class Selection
{
    /// <summary>
    /// Majority vote over the samples at <paramref name="chosen"/> (in that order): the class with most votes,
    /// ties to the class seen first (Python's <c>Counter.most_common</c>); returns the first chosen sample of that
    /// class. Samples of class -1 only win when no sample can vote (then the first chosen sample is returned).
    /// </summary>
    public static int Majority(IReadOnlyList<int> classes, ReadOnlySpan<int> chosen)
    {
        if (chosen.Length == 0)
        {
            return -1;
        }
        var counts = new Dictionary<int, (int Count, int First, int Order)>();
        int order = 0;
        foreach (int s in chosen)
        {
            int c = classes[s];
            if (c < 0)
            {
                continue;
            }
            counts[c] = counts.TryGetValue(c, out var v) ? (v.Count + 1, v.First, v.Order) : (1, s, order++);
        }
        if (counts.Count == 0)
        {
            return chosen[0];
        }
        var best = counts.Values.OrderByDescending(v => v.Count).ThenBy(v => v.Order).First();
        return best.First;
    }

    /// <summary>The chosen sample with the highest score, ties to the earliest (Python's <c>list.index(max(...))</c>); -1 without scores.</summary>
    public static int BestByScore(IReadOnlyList<SampleOutcome> samples, ReadOnlySpan<int> chosen)
    {
        int best = -1;
        double bestScore = double.NegativeInfinity;
        foreach (int s in chosen)
        {
            if (samples[s].Score is double v && (best < 0 || v > bestScore))
            {
                best = s;
                bestScore = v;
            }
        }
        return best;
    }
}
