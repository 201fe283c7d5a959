using System.Numerics;
using Sift.Grading.Numerics;

namespace Sift.Grading.Strict;

/// <summary>
/// English number words as a whole answer: <c>five</c>, <c>twenty-one</c>, <c>one hundred and five</c>,
/// <c>seven thousand</c>, <c>negative three</c>, <c>one half</c>, <c>three quarters</c>, <c>two thirds</c>,
/// <c>one and a half</c>. Every word must be part of the number (no unknown words are skipped, unlike
/// word2number, which reads <c>one-half</c> as 1); ordinals alone (<c>third</c>) and "a dozen" style words are not
/// numbers here.
/// </summary>
internal static class NumberWords
{
    private static readonly Dictionary<string, int> Small = new(StringComparer.OrdinalIgnoreCase)
    {
        ["zero"] = 0,
        ["one"] = 1,
        ["two"] = 2,
        ["three"] = 3,
        ["four"] = 4,
        ["five"] = 5,
        ["six"] = 6,
        ["seven"] = 7,
        ["eight"] = 8,
        ["nine"] = 9,
        ["ten"] = 10,
        ["eleven"] = 11,
        ["twelve"] = 12,
        ["thirteen"] = 13,
        ["fourteen"] = 14,
        ["fifteen"] = 15,
        ["sixteen"] = 16,
        ["seventeen"] = 17,
        ["eighteen"] = 18,
        ["nineteen"] = 19,
        ["twenty"] = 20,
        ["thirty"] = 30,
        ["forty"] = 40,
        ["fifty"] = 50,
        ["sixty"] = 60,
        ["seventy"] = 70,
        ["eighty"] = 80,
        ["ninety"] = 90,
    };

    private static readonly Dictionary<string, int> Scales = new(StringComparer.OrdinalIgnoreCase)
    {
        ["thousand"] = 1000,
        ["million"] = 1_000_000,
        ["billion"] = 1_000_000_000,
    };

    /// <summary>Denominator words (singular and plural) after a count: "one half", "three quarters".</summary>
    private static readonly Dictionary<string, int> Denominators = new(StringComparer.OrdinalIgnoreCase)
    {
        ["half"] = 2,
        ["halves"] = 2,
        ["third"] = 3,
        ["thirds"] = 3,
        ["quarter"] = 4,
        ["quarters"] = 4,
        ["fourth"] = 4,
        ["fourths"] = 4,
        ["fifth"] = 5,
        ["fifths"] = 5,
        ["sixth"] = 6,
        ["sixths"] = 6,
        ["seventh"] = 7,
        ["sevenths"] = 7,
        ["eighth"] = 8,
        ["eighths"] = 8,
        ["ninth"] = 9,
        ["ninths"] = 9,
        ["tenth"] = 10,
        ["tenths"] = 10,
    };

    /// <summary>The value of <paramref name="text"/> when all of it is an English number phrase.</summary>
    public static bool TryParse(string text, out Rational value)
    {
        value = Rational.Zero;
        var words = text.Trim().TrimEnd('.').Replace('-', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (words.Count == 0 || words.Count > 12)
        {
            return false;
        }

        var sign = 1;
        if (words[0] is "negative" or "minus" or "Negative" or "Minus")
        {
            sign = -1;
            words.RemoveAt(0);
        }

        // "one and a half", "two and three quarters": whole part, "and", fraction part.
        var and = words.FindIndex(w => w.Equals("and", StringComparison.OrdinalIgnoreCase));
        if (and > 0 && and < words.Count - 1 && TryFraction(words[(and + 1)..], out var frac) && TryWhole(words[..and], out var w0))
        {
            value = Signed(sign, new Rational(w0) + frac);
            return true;
        }

        if (TryFraction(words, out var f))
        {
            value = Signed(sign, f);
            return true;
        }

        if (TryWhole(words, out var whole))
        {
            value = Signed(sign, new Rational(whole));
            return true;
        }

        return false;
    }

    private static Rational Signed(int sign, Rational r) => sign < 0 ? -r : r;

    private static bool TryFraction(List<string> words, out Rational value)
    {
        value = Rational.Zero;
        if (words.Count < 2 || !Denominators.TryGetValue(words[^1], out var den))
        {
            return false;
        }

        var head = words[..^1];
        BigInteger num;
        if (head is [var a] && a.Equals("a", StringComparison.OrdinalIgnoreCase))
        {
            num = 1;
        }
        else if (!TryWhole(head, out num))
        {
            return false;
        }

        // "one half" / "two halves" (plural after more than one; either is accepted).
        value = new Rational(num, den);
        return true;
    }

    private static bool TryWhole(List<string> words, out BigInteger value)
    {
        value = 0;
        BigInteger group = 0;
        var any = false;
        var lastScale = long.MaxValue;
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i];
            if (w.Equals("and", StringComparison.OrdinalIgnoreCase) && any && i + 1 < words.Count)
            {
                continue;
            }

            if (Small.TryGetValue(w, out var n))
            {
                // "twenty one" but not "one twenty" or "five five".
                if (group % 100 != 0 && (group % 10 != 0 || n >= 10 || group % 100 < 20))
                {
                    return false;
                }

                group += n;
                any = true;
            }
            else if (w.Equals("hundred", StringComparison.OrdinalIgnoreCase))
            {
                if (group == 0 || group >= 100)
                {
                    return false;
                }

                group *= 100;
            }
            else if (Scales.TryGetValue(w, out var scale))
            {
                if (group == 0 || scale >= lastScale)
                {
                    return false;
                }

                value += group * scale;
                group = 0;
                lastScale = scale;
            }
            else
            {
                return false;
            }
        }

        value += group;
        return any;
    }
}
