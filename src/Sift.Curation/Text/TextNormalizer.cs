using System.Globalization;

namespace Sift.Curation.Text;

/// <summary>Receives the tokens of a text, one at a time (the span is only valid during the call).</summary>
internal interface ITokenSink
{
    void Token(ReadOnlySpan<char> token);
}

/// <summary>
/// The normalisation every similarity in curation is measured on:
/// <list type="number">
/// <item>lower case (<see cref="char.ToLowerInvariant"/>, per UTF-16 unit; no other Unicode normalisation);</item>
/// <item>a token is a maximal run of letters and digits (combining marks stay inside a word); every other character
/// (whitespace, punctuation, symbols, apostrophes) separates tokens, so punctuation is stripped and "Janet's" gives
/// "janet" "s";</item>
/// <item>inside a number, a '.' between ASCII digits is kept ("3.5") and a ',' followed by exactly three digits is a
/// thousands separator and dropped ("1,000,000" → "1000000"); "3,4" stays two tokens, signs are dropped;</item>
/// <item>tokens in <see cref="StopWords"/> are removed.</item>
/// </list>
/// A number token starts with an ASCII digit and holds only digits and '.'.
/// </summary>
internal static class TextNormalizer
{
    /// <summary>The normalised tokens of <paramref name="text"/>, in order.</summary>
    public static List<string> Tokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sink = new ListSink();
        char[] buffer = [];
        Tokenize(text, ref buffer, sink);
        return sink.Items;
    }

    /// <summary>Whether a normalised token is a number.</summary>
    public static bool IsNumber(ReadOnlySpan<char> token)
    {
        if (token.IsEmpty || !char.IsAsciiDigit(token[0]))
        {
            return false;
        }
        foreach (char c in token)
        {
            if (!char.IsAsciiDigit(c) && c != '.')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Calls <paramref name="sink"/> for each normalised token; <paramref name="buffer"/> is reused scratch space.</summary>
    internal static void Tokenize(ReadOnlySpan<char> text, ref char[] buffer, ITokenSink sink)
    {
        if (buffer.Length < text.Length)
        {
            buffer = new char[Math.Max(text.Length, 256)];
        }
        int i = 0, n = text.Length;
        while (i < n)
        {
            if (!IsWordChar(text[i], atStart: true))
            {
                i++;
                continue;
            }
            int len = 0;
            bool digitsOnly = true, hasPoint = false;
            while (i < n)
            {
                char c = text[i];
                if (IsWordChar(c, atStart: false))
                {
                    char lower = char.ToLowerInvariant(c);
                    buffer[len++] = lower;
                    digitsOnly &= char.IsAsciiDigit(lower);
                    i++;
                }
                else if (c == '.' && digitsOnly && !hasPoint && i + 1 < n && char.IsAsciiDigit(text[i + 1]))
                {
                    buffer[len++] = '.';
                    hasPoint = true;
                    i++;
                }
                else if (c == ',' && digitsOnly && !hasPoint && IsThousandsGroup(text, i + 1))
                {
                    i++;
                }
                else
                {
                    break;
                }
            }
            var token = buffer.AsSpan(0, len);
            if (!StopWords.Lookup.Contains(token))
            {
                sink.Token(token);
            }
        }
    }

    // Exactly three ASCII digits at `at`, not followed by a fourth.
    private static bool IsThousandsGroup(ReadOnlySpan<char> text, int at) =>
        at + 3 <= text.Length && char.IsAsciiDigit(text[at]) && char.IsAsciiDigit(text[at + 1]) && char.IsAsciiDigit(text[at + 2])
        && (at + 3 == text.Length || !char.IsAsciiDigit(text[at + 3]));

    private static bool IsWordChar(char c, bool atStart)
    {
        if (c < 128)
        {
            return char.IsAsciiLetterOrDigit(c);
        }
        if (char.IsLetterOrDigit(c))
        {
            return true;
        }
        var cat = CharUnicodeInfo.GetUnicodeCategory(c);
        return !atStart && cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
    }

    private sealed class ListSink : ITokenSink
    {
        public List<string> Items { get; } = [];

        public void Token(ReadOnlySpan<char> token) => Items.Add(token.ToString());
    }
}
