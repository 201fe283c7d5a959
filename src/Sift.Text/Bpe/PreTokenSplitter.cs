using System.Text.RegularExpressions;

namespace Sift.Text.Bpe;

/// <summary>
/// Splits text into pre-tokens with a regex, the way HF's Split(behavior = Isolated) does: matches and the
/// gaps between them are both pieces. A cut that would separate a surrogate pair is skipped (the two
/// pieces are joined) so that every piece is valid UTF-16 and converts to UTF-8 losslessly.
/// </summary>
internal static class PreTokenSplitter
{
    /// <summary>Fills <paramref name="ends"/> with the exclusive end of each piece (the last is text.Length).</summary>
    public static void Split(Regex regex, ReadOnlySpan<char> text, List<int> ends)
    {
        ends.Clear();
        int start = 0;
        foreach (ValueMatch m in regex.EnumerateMatches(text))
        {
            Cut(text, m.Index, ref start, ends);
            Cut(text, m.Index + m.Length, ref start, ends);
        }
        Cut(text, text.Length, ref start, ends);
    }

    private static void Cut(ReadOnlySpan<char> text, int at, ref int start, List<int> ends)
    {
        if (at <= start)
        {
            return;
        }
        if (at < text.Length && char.IsLowSurrogate(text[at]) && char.IsHighSurrogate(text[at - 1]))
        {
            return; // keep the pair together; the next cut closes the joined piece
        }
        ends.Add(at);
        start = at;
    }
}
