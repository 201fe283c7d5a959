using System.Globalization;
using System.Numerics;

namespace Sift.Grading.Compat;

/// <summary>Port of word2number 1.1 <c>w2n.word_to_num</c> as called by ZG's <c>convert_word_number</c> (whole string).</summary>
internal static class WordToNumber
{
    private static readonly Dictionary<string, long> Words = new(StringComparer.Ordinal)
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
        ["hundred"] = 100,
        ["thousand"] = 1000,
        ["million"] = 1_000_000,
        ["billion"] = 1_000_000_000,
        ["point"] = -1,
    };

    private static readonly string[] DecimalWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    /// <summary><c>str(w2n.word_to_num(text))</c>, or the input unchanged where word2number raises.</summary>
    public static string Convert(string text) => TryConvert(text, out var s) ? s : text;

    private static bool TryConvert(string input, out string result)
    {
        result = input;
        var t = input.Replace('-', ' ').ToLowerInvariant();
        if (PyCompat.IsDecimalDigits(t))
        {
            result = BigInteger.Parse(PyCompat.AsciiDigits(t), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
            return true;
        }

        if (t.Length > 0 && t.All(c => char.IsDigit(c) || char.GetUnicodeCategory(c) == UnicodeCategory.OtherNumber) && t.Any(c => !char.IsDigit(c)))
        {
            // Python isdigit() is true for superscripts but int() then raises: unchanged.
            return false;
        }

        var clean = t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(Words.ContainsKey).ToList();
        if (clean.Count == 0)
        {
            return false;
        }

        if (clean.Count(w => w == "thousand") > 1 || clean.Count(w => w == "million") > 1 || clean.Count(w => w == "billion") > 1 || clean.Count(w => w == "point") > 1)
        {
            return false;
        }

        var decimals = new List<string>();
        var point = clean.IndexOf("point");
        if (point >= 0)
        {
            decimals = clean.Skip(point + 1).ToList();
            clean = clean.Take(point).ToList();
        }

        var bi = clean.IndexOf("billion");
        var mi = clean.IndexOf("million");
        var th = clean.IndexOf("thousand");
        if ((th > -1 && (th < mi || th < bi)) || (mi > -1 && mi < bi))
        {
            return false;
        }

        double total = 0;
        var isFloat = false;
        try
        {
            if (clean.Count == 1)
            {
                total += Words[clean[0]];
            }
            else if (clean.Count > 1)
            {
                if (bi > -1)
                {
                    total += Formation(clean.GetRange(0, bi)) * 1_000_000_000d;
                }

                if (mi > -1)
                {
                    total += (bi > -1 ? Formation(clean.GetRange(bi + 1, mi - bi - 1)) : Formation(clean.GetRange(0, mi))) * 1_000_000d;
                }

                if (th > -1)
                {
                    var mult = mi > -1 ? Formation(clean.GetRange(mi + 1, th - mi - 1))
                        : bi > -1 ? Formation(clean.GetRange(bi + 1, th - bi - 1))
                        : Formation(clean.GetRange(0, th));
                    total += mult * 1000d;
                }

                double hundreds;
                if (th > -1 && th != clean.Count - 1)
                {
                    hundreds = Formation(clean.GetRange(th + 1, clean.Count - th - 1));
                }
                else if (mi > -1 && mi != clean.Count - 1)
                {
                    hundreds = Formation(clean.GetRange(mi + 1, clean.Count - mi - 1));
                }
                else if (bi > -1 && bi != clean.Count - 1)
                {
                    hundreds = Formation(clean.GetRange(bi + 1, clean.Count - bi - 1));
                }
                else if (th == -1 && mi == -1 && bi == -1)
                {
                    hundreds = Formation(clean);
                }
                else
                {
                    hundreds = 0;
                }

                total += hundreds;
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }

        if (decimals.Count > 0)
        {
            if (decimals.All(d => DecimalWords.Contains(d)))
            {
                var digits = string.Concat(decimals.Select(d => Words[d].ToString(CultureInfo.InvariantCulture)));
                total += double.Parse("0." + digits, CultureInfo.InvariantCulture);
                isFloat = true;
            }
        }

        result = isFloat ? PyCompat.FloatToString(total) : ((long)total).ToString(CultureInfo.InvariantCulture);
        return true;
    }

    private static double Formation(List<string> words)
    {
        if (words.Count == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(words));
        }

        var n = words.Select(w => (double)Words[w]).ToList();
        return n.Count switch
        {
            4 => (n[0] * n[1]) + n[2] + n[3],
            3 => (n[0] * n[1]) + n[2],
            2 => n.Contains(100) ? n[0] * n[1] : n[0] + n[1],
            _ => n[0],
        };
    }
}
