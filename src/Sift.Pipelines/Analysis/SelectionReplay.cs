using Sift.Pipelines.Selective;

namespace Sift.Pipelines.Analysis;

/// <summary>
/// Recomputes what SLM would select: excess loss = student loss − reference loss, ranked per group (a micro-batch of
/// windows for scope "batch", one window for "sequence") with the training objectives' own <see cref="TopKSelector"/>.
/// </summary>
internal static class SelectionReplay
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
        var selector = new TopKSelector();
        var excess = selector.Scores(n);
        for (int i = 0; i < n; i++)
        {
            excess[i] = student[i] - reference[i];
        }
        for (int g = 0; g < n; g += groupTokens)
        {
            selector.SelectTop([], g, Math.Min(groupTokens, n - g), ratio, keep);
        }
        return keep;
    }
}
