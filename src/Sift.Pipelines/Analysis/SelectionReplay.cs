namespace Sift.Pipelines.Analysis;

/// <summary>
/// Recomputes what SLM would select: excess loss = student loss − reference loss, top k = round(ratio · n)
/// per group (a micro-batch of windows for scope "batch", one window for "sequence"), ties to the earlier
/// position, exactly as <see cref="Training.SlmObjective"/> ranks during training.
/// </summary>
public static class SelectionReplay
{
    /// <summary>Marks the selected tokens of consecutive groups of <paramref name="groupTokens"/> tokens.</summary>
    public static bool[] Select(ReadOnlySpan<float> student, ReadOnlySpan<float> reference, double ratio, int groupTokens)
    {
        if (student.Length != reference.Length)
        {
            throw new ArgumentException("student and reference losses differ in length");
        }
        if (!(ratio > 0 && ratio <= 1) || groupTokens < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), $"ratio {ratio} must be in (0, 1] and groups ≥ 1 token");
        }
        int n = student.Length;
        var keep = new bool[n];
        var excess = new float[n];
        for (int i = 0; i < n; i++)
        {
            excess[i] = student[i] - reference[i];
        }
        var idx = new int[Math.Min(n, groupTokens)];
        for (int g = 0; g < n; g += groupTokens)
        {
            int len = Math.Min(groupTokens, n - g);
            var cand = idx.AsSpan(0, len);
            for (int i = 0; i < len; i++)
            {
                cand[i] = g + i;
            }
            int k = Math.Clamp((int)Math.Round(ratio * len, MidpointRounding.AwayFromZero), 1, len);
            cand.Sort((a, b) => excess[b].CompareTo(excess[a]) is int c && c != 0 ? c : a.CompareTo(b));
            foreach (int i in cand[..k])
            {
                keep[i] = true;
            }
        }
        return keep;
    }
}
