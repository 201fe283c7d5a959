namespace Sift.Rewards.Steps;

/// <summary>
/// How a solution becomes steps, as the sources do it.
/// <list type="bullet">
/// <item>RLHFlow (<c>math-rm/prm_evaluate.py</c>): Mistral data splits on <c>"ки\n"</c>, Deepseek data on <c>"\n\n"</c>;
/// each step is trimmed. Sift picks <c>"ки\n"</c> when the text contains the tag, else <c>"\n\n"</c> (or the separator
/// given). A final <c>" ки"</c> with no newline after it stays in the last step, as in the source.</item>
/// <item>Math-Shepherd: the steps are already marked, each ends with the tag <c>ки</c>; with a separator given,
/// untagged text is split on it, trimmed, and each step gets <c>" ки"</c> and one <c>"\n"</c> between steps, the
/// dataset's layout (<c>"Step 1: … ки\nStep 2: … ки"</c>).</item>
/// </list>
/// Steps that are empty after trimming are dropped (the source would send an empty user turn for text such as
/// <c>"a\n\n\n\nb"</c>); that is the one deliberate difference.
/// </summary>
internal static class StepSplitter
{
    /// <summary>Math-Shepherd's step tag.</summary>
    public const string ShepherdTag = "ки";

    /// <summary>RLHFlow's separator for Mistral-generated (tagged) data.</summary>
    public const string TaggedSeparator = "ки\n";

    /// <summary>RLHFlow's separator for Deepseek-generated data, and Sift's default for untagged text.</summary>
    public const string BlankLine = "\n\n";

    /// <summary>The separator RLHFlow would use for this text, unless one is given.</summary>
    public static string RlhFlowSeparator(string text, string? separator) =>
        separator ?? (text.Contains(ShepherdTag, StringComparison.Ordinal) ? TaggedSeparator : BlankLine);

    /// <summary>Splits on <paramref name="separator"/>, trims each piece, drops empty ones.</summary>
    public static List<string> Split(string text, string separator)
    {
        ArgumentException.ThrowIfNullOrEmpty(separator);
        return text.Split(separator).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
    }

    /// <summary>
    /// Tags untagged text: split on <paramref name="separator"/>, then each step ends with <c>" " + tag</c> (steps that
    /// already end with the tag keep theirs), joined with <c>"\n"</c>.
    /// </summary>
    public static string Tag(string text, string separator, string tag) =>
        string.Join("\n", Split(text, separator).Select(s => s.EndsWith(tag, StringComparison.Ordinal) ? s : s + " " + tag));

    /// <summary>Non-overlapping occurrences of <paramref name="tag"/> in <paramref name="text"/>.</summary>
    public static int Count(string text, string tag)
    {
        int n = 0;
        for (int at = text.IndexOf(tag, StringComparison.Ordinal); at >= 0; at = text.IndexOf(tag, at + tag.Length, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }
}
