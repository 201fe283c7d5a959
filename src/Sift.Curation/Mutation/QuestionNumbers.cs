using System.Globalization;
using System.Text.RegularExpressions;

namespace Sift.Curation.Mutation;

/// <summary>A number written in a question.</summary>
/// <param name="Start">Offset of its first character.</param>
/// <param name="Length">Its length.</param>
/// <param name="Value">Its value.</param>
/// <param name="Decimals">Digits after the decimal point as written (0 for integers and words).</param>
/// <param name="Grouped">Written with thousands separators ("4,933,828").</param>
/// <param name="Word">Written as a word ("three").</param>
/// <param name="Percent">Followed by "%" or "percent".</param>
internal readonly record struct QuestionNumber(int Start, int Length, decimal Value, int Decimals, bool Grouped, bool Word, bool Percent);

/// <summary>
/// The numbers of a word problem: digits (with thousands separators and decimals) and the number words zero to
/// twenty and the tens to ninety. Digits attached to letters ("3rd", "x2") are not quantities and are skipped; a
/// fraction "1/2" gives 1 and 2, as a program would write them.
/// </summary>
internal static partial class QuestionNumbers
{
    private static readonly Dictionary<string, int> Words = new(StringComparer.OrdinalIgnoreCase)
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

    public static List<QuestionNumber> Find(string text)
    {
        var found = new List<QuestionNumber>();
        foreach (Match m in Number().Matches(text))
        {
            string digits = m.Value.Replace(",", "", StringComparison.Ordinal);
            int point = digits.IndexOf('.', StringComparison.Ordinal);
            found.Add(new QuestionNumber(m.Index, m.Length, decimal.Parse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
                point < 0 ? 0 : digits.Length - point - 1, m.Value.Contains(',', StringComparison.Ordinal), false, IsPercent(text, m.Index + m.Length)));
        }
        foreach (Match m in Word().Matches(text))
        {
            if (Words.TryGetValue(m.Value, out int v))
            {
                found.Add(new QuestionNumber(m.Index, m.Length, v, 0, false, true, IsPercent(text, m.Index + m.Length)));
            }
        }
        found.Sort((a, b) => a.Start.CompareTo(b.Start));
        return found;
    }

    private static bool IsPercent(string text, int at)
    {
        var rest = text.AsSpan(at).TrimStart(' ');
        return rest.StartsWith("%") || rest.StartsWith("percent", StringComparison.OrdinalIgnoreCase);
    }

    // Digits with optional thousands groups and decimals, not touching letters, digits or another decimal point.
    [GeneratedRegex(@"(?<![\p{L}\p{N}_.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\p{L}\p{N}_]|\.\d)")]
    private static partial Regex Number();

    [GeneratedRegex(@"\b\p{L}+\b")]
    private static partial Regex Word();
}
