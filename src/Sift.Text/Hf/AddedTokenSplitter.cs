using System.Text.RegularExpressions;

namespace Sift.Text.Hf;

/// <summary>Finds added-token strings in text (leftmost, then longest) and cuts the text around them.</summary>
internal sealed class AddedTokenSplitter
{
    private readonly Regex _regex;
    private readonly Dictionary<string, AddedToken> _byContent;

    /// <summary>A piece of text: either plain text [Start, End) or, when TokenId >= 0, an added token.</summary>
    public readonly record struct Segment(int Start, int End, int TokenId);

    private AddedTokenSplitter(IReadOnlyList<AddedToken> tokens)
    {
        _byContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (var t in tokens)
        {
            _byContent.TryAdd(t.Content, t);
        }
        // Longest first so that "<|end|>" never wins over "<|endoftext|>" at the same position.
        var alternatives = _byContent.Keys.OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal)
            .Select(Regex.Escape);
        _regex = new Regex(string.Join("|", alternatives), RegexOptions.Compiled | RegexOptions.CultureInvariant);
    }

    /// <summary>A splitter for the given tokens, or null when there is none to match.</summary>
    public static AddedTokenSplitter? Create(IEnumerable<AddedToken> tokens)
    {
        var list = tokens.Where(t => t.Content.Length > 0).ToList();
        return list.Count == 0 ? null : new AddedTokenSplitter(list);
    }

    /// <summary>Cuts <paramref name="text"/> into plain-text segments and added-token segments, in order.</summary>
    public void Split(string text, List<Segment> output)
    {
        output.Clear();
        int pos = 0;
        foreach (ValueMatch m in _regex.EnumerateMatches(text))
        {
            if (m.Index < pos)
            {
                continue; // fell inside a previous token's rstrip
            }
            var token = _byContent[text.Substring(m.Index, m.Length)];
            int start = m.Index, end = m.Index + m.Length;
            if (token.LStrip)
            {
                while (start > pos && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }
            if (token.RStrip)
            {
                while (end < text.Length && char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
            }
            if (start > pos)
            {
                output.Add(new Segment(pos, start, -1));
            }
            output.Add(new Segment(start, end, token.Id));
            pos = end;
        }
        if (pos < text.Length)
        {
            output.Add(new Segment(pos, text.Length, -1));
        }
    }
}
