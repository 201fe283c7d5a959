using System.Text;
using System.Text.RegularExpressions;

namespace Sift.Grading.Strict;

/// <summary>
/// Cleans an extracted answer before parsing, without changing its meaning: math delimiters, spacing commands,
/// doubled backslashes, thousands separators, trailing units (only at the end, after a number), trailing punctuation.
/// </summary>
internal static partial class StrictNormalizer
{
    /// <summary>Commands that a doubled backslash (<c>\\frac</c>, from double-escaped prompts) may precede.</summary>
    private static readonly HashSet<string> KnownCommands = new(StringComparer.Ordinal)
    {
        "frac", "dfrac", "tfrac", "sqrt", "pi", "infty", "left", "right", "le", "leq", "ge", "geq", "lt", "gt", "ne", "neq",
        "cdot", "times", "div", "pm", "mp", "text", "mathrm", "mbox", "textbf", "begin", "end", "boxed", "sin", "cos",
        "tan", "log", "ln", "exp", "cup", "in", "circ", "alpha", "beta", "gamma", "theta", "sec", "csc", "cot", "emptyset",
        "dots", "ldots", "cdots", "quad", "mathbb", "approx", "binom", "dbinom", "operatorname", "displaystyle",
    };

    /// <summary>Unit words removed only when they end the answer right after a number or closing bracket.</summary>
    private static readonly string UnitWords =
        "cm|mm|km|m|meters?|metres?|centimeters?|kilometers?|inch(?:es)?|in|ft|feet|foot|yards?|yd|miles?|mi|mph|kmh|km/h|"
        + "hours?|hrs?|h|minutes?|mins?|seconds?|secs?|s|days?|weeks?|months?|years?|degrees?|deg|dollars?|cents?|units?|"
        + "square\\s+units|sq\\s*units|sq|grams?|g|kg|kilograms?|pounds?|lbs?|lb|ounces?|oz|liters?|litres?|l|ml|gallons?|"
        + "people|students|ways|points|coins|marbles|apples|books|eggs|times|yuan|euros?|rupees?|rs|cubic\\s+units";

    [GeneratedRegex(@"(\d)\s*(?:\{\s*,\s*\}|,\s*\\!|,\\\s)\s*(?=\d{3}(?!\d))")]
    private static partial Regex MarkedThousands();

    [GeneratedRegex(@"(?<![\d.,])[1-9]\d{0,2}(?:,\d{3})+(?![\d,])")]
    private static partial Regex GroupedNumber();

    [GeneratedRegex(@"(?<!\\)\\[,;: ]")]
    private static partial Regex SpacingCommand();

    [GeneratedRegex(@"\.?\s*I\s*hope\s*it\s*is\s*correct\.?$", RegexOptions.IgnoreCase)]
    private static partial Regex MinervaTrailer();

    [GeneratedRegex(@"^\s*-?(?:0,\d+|\d,\d\d|\d{4,},\d+)\s*$")]
    private static partial Regex DecimalComma();

    [GeneratedRegex(@"\\(?:text|textnormal|mbox|mathrm|textrm|textbf)\{\s*[^{}]*\}(?:\^\{?[23]\}?)?\s*$")]
    private static partial Regex TrailingTextUnit();

    [GeneratedRegex(@"\\(?:text|textnormal|mbox|mathrm)\{\s*(?:and|or)\s*\}")]
    private static partial Regex TextConjunction();

    [GeneratedRegex(@"(?<![\d.])(\d*)\.(\d+)\s*(?:\\ldots|\\cdots|\\dots|\.\.\.|…)")]
    private static partial Regex EllipsisDecimal();

    [GeneratedRegex(@"\\(?:text|textnormal|mbox|mathrm|textrm)\{\s*(-?\d[\d,]*(?:\.\d+)?)\s+([A-Za-z][A-Za-z ./]*)\}")]
    private static partial Regex NumberInText();

    /// <summary>Normalises one answer string; <paramref name="plain"/> reports whether it had no LaTeX markup at all.</summary>
    public static string Normalize(string raw, bool plain) => Normalize(raw, plain, out _);

    /// <summary>Normalises one answer string and reports the trailing unit it removed (null when none).</summary>
    public static string Normalize(string raw, bool plain, out string? unit)
    {
        var s = UnicodeMath.Fold(raw.Trim());
        s = EllipsisDecimal().Replace(s, RepeatingFromEllipsis);
        s = MinervaTrailer().Replace(s, string.Empty);
        s = CollapseDoubledBackslashes(s);
        s = MarkedThousands().Replace(s, "$1");
        s = s.Replace("$", " ").Replace("\\(", " ").Replace("\\)", " ").Replace("\\[", " ").Replace("\\]", " ");
        s = s.Replace("\\!", string.Empty);
        s = SpacingCommand().Replace(s, " ");
        s = s.Replace("\\displaystyle", " ").Replace("\\qquad", " ").Replace("\\quad", " ");
        s = s.Replace("\\dfrac", "\\frac").Replace("\\tfrac", "\\frac").Replace("\\cfrac", "\\frac");
        s = s.Replace("^{\\circ}", string.Empty).Replace("^\\circ", string.Empty).Replace("°", string.Empty);
        s = s.Replace("\\%", "%");
        s = TextConjunction().Replace(s, ",");
        s = s.Trim();
        s = TrimTrailingPunctuation(s);
        // \text{5 cm}: the number inside the text, the unit after it.
        s = NumberInText().Replace(s, "$1\\text{ $2}");
        s = StripTrailingUnits(s, out unit);
        // Plain thousands commas only when every comma in the answer is one (no brackets, no lists).
        if (s.IndexOfAny(['(', '[', '{']) < 0 && s.Contains(',') && GroupedNumber().Matches(s).Sum(m => m.Value.Count(c => c == ',')) == s.Count(c => c == ','))
        {
            s = GroupedNumber().Replace(s, m => m.Value.Replace(",", string.Empty));
        }
        else if (plain && DecimalComma().IsMatch(s))
        {
            s = s.Replace(',', '.');
        }

        return s.Trim();
    }

    /// <summary>
    /// <c>0.333…</c>, <c>0.1666\ldots</c>, <c>0.142857142857...</c>: when the shown decimals end in a block written at
    /// least twice (three times for a single digit), the ellipsis repeats that block (<c>0.\overline{3}</c>); otherwise
    /// the ellipsis only marks a cut-off and the decimal stays as written.
    /// </summary>
    private static string RepeatingFromEllipsis(Match m)
    {
        var whole = m.Groups[1].Value;
        var decimals = m.Groups[2].Value;
        for (var p = 1; p <= decimals.Length / 2; p++)
        {
            var block = decimals[^p..];
            var times = p == 1 ? 3 : 2;
            if (decimals.Length >= p * times && Enumerable.Range(1, times - 1).All(k => decimals.Substring(decimals.Length - ((k + 1) * p), p) == block))
            {
                // Drop every trailing copy of the block from the fixed part.
                var head = decimals[..^p];
                while (head.EndsWith(block, StringComparison.Ordinal))
                {
                    head = head[..^p];
                }

                return (whole.Length == 0 ? "0" : whole) + "." + head + "\\overline{" + block + "}";
            }
        }

        return m.Groups[1].Value + "." + decimals;
    }

    /// <summary>True when the raw input has no LaTeX markup (then "1,22" may be a decimal comma).</summary>
    public static bool IsPlain(string raw) => !raw.Contains('\\') && !raw.Contains('$') && !raw.Contains('{');

    private static string TrimTrailingPunctuation(string s)
    {
        while (s.Length > 0)
        {
            var c = s[^1];
            if (c is ',' or ';' or ' ')
            {
                s = s[..^1];
            }
            else if (c == '.')
            {
                s = s[..^1];
            }
            else
            {
                break;
            }
        }

        return s;
    }

    /// <summary>Removes a trailing \text{unit} or unit word after a number, brace or bracket; never inside the expression.</summary>
    private static string StripTrailingUnits(string s, out string? unit)
    {
        unit = null;
        for (var pass = 0; pass < 2; pass++)
        {
            var m = TrailingTextUnit().Match(s);
            if (m.Success && m.Index > 0)
            {
                var head = s[..m.Index].TrimEnd();
                if (head.Length > 0 && (char.IsAsciiDigit(head[^1]) || head[^1] is '}' or ')' or ']'))
                {
                    unit = m.Value + unit;
                    s = head;
                    continue;
                }
            }

            var w = Regex.Match(s, @"(?<=[\d}\)\]])\s*(?:" + UnitWords + @")(?:\^\{?[23]\}?|²|³)?\s*$", RegexOptions.IgnoreCase);
            if (w.Success && w.Index > 0)
            {
                unit = w.Value + unit;
                s = s[..w.Index].TrimEnd();
                continue;
            }

            break;
        }

        return s;
    }

    /// <summary><c>\\frac</c> → <c>\frac</c> when a known command follows (double-escaped prompts); row separators stay.</summary>
    internal static string CollapseDoubledBackslashes(string s)
    {
        if (!s.Contains("\\\\", StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] == '\\')
            {
                var j = i + 2;
                while (j < s.Length && char.IsAsciiLetter(s[j]))
                {
                    j++;
                }

                if (j > i + 2 && KnownCommands.Contains(s[(i + 2)..j]))
                {
                    sb.Append('\\');
                    i++;
                    continue;
                }

                sb.Append("\\\\");
                i++;
                continue;
            }

            sb.Append(s[i]);
        }

        return sb.ToString();
    }

    /// <summary>True when the answer is prose (words only), compared as text instead of parsed.</summary>
    public static bool IsWordAnswer(string s, out string text)
    {
        var t = Regex.Replace(s, @"\\(?:text|textbf|textnormal|mathrm|mbox)\{([^{}]*)\}", "$1").Trim();
        if (t.StartsWith('(') && t.EndsWith(')') && t.Length == 3)
        {
            t = t[1..2];
        }

        text = t;
        if (t.Length < 2)
        {
            return false;
        }

        var letters = 0;
        foreach (var c in t)
        {
            if (char.IsLetter(c))
            {
                letters++;
            }
            else if (c is not (' ' or '-' or '\''))
            {
                return false;
            }
        }

        if (letters < 2)
        {
            return false;
        }

        var words = t.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length > 1 ? words.Any(w => w.Length >= 3) : t.Length >= 3 && !Parsing.Tokenizer.KnownWords.Contains(t);
    }
}
