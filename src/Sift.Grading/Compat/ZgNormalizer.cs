using System.Text;
using System.Text.RegularExpressions;

namespace Sift.Grading.Compat;

/// <summary>
/// Faithful port of ZG's <c>strip_string</c> (spec §2.3), quirks included: unit words deleted anywhere,
/// <c>\mbox{…}</c> deleted with its content, "and" deleted inside words, <c>x=</c> deleted anywhere, not idempotent.
/// </summary>
public static partial class ZgNormalizer
{
    /// <summary>ZG's unit list (order matters: later patterns see earlier deletions).</summary>
    private static readonly string[] BaseUnits =
    [
        "east", "degree", "mph", "kmph", "ft", "m sqaure", " m east", "sq m", "deg", "mile",
        "q .", "monkey", "prime", "ratio", "profit of rs", "rd", "o", "gm",
        "p . m", "lb", "tile", "per", "dm", "lt", "gain", "ab", "way", "west",
        "a .", "b .", "c .", "d .", "e .", "f .", "g .", "h .", "t", "a", "h",
        "no change", "men", "soldier", "pie", "bc", "excess", "st",
        "inches", "noon", "percent", "by", "gal", "kmh", "c", "acre", "rise",
        "a . m", "th", "π r 2", "sq", "mark", "l", "toy", "coin",
        "sq . m", "gallon", "° f", "profit", "minw", "yr", "women",
        "feet", "am", "pm", "hr", "cu cm", "square", "v â € ™", "are",
        "rupee", "rounds", "cubic", "cc", "mtr", "s", "ohm", "number",
        "kmph", "day", "hour", "minute", "min", "second", "man", "woman",
        "sec", "cube", "mt", "sq inch", "mp", "∏ cm ³", "hectare", "more",
        "sec", "unit", "cu . m", "cm 2", "rs .", "rs", "kg", "g", "month",
        "km", "m", "cm", "mm", "apple", "liter", "loss", "yard",
        "pure", "year", "increase", "decrease", "d", "less", "Surface",
        "litre", "pi sq m", "s .", "metre", "meter", "inch",
    ];

    /// <summary>Python 3 <c>\W</c>: not a Unicode letter, number or underscore.</summary>
    private const string NonWord = @"[^\p{L}\p{N}_]";

    private static readonly UnitPattern[] Units = BuildUnits();

    /// <summary>
    /// One of ZG's <c>re.sub(r"(^|\W)" + unit + r"($|\W)", r"\1\2", s)</c> deletions. The regex runs only where
    /// <see cref="CanMatch"/> finds a place it would match; that test is exact (a match exists iff it says so), so
    /// skipping the regex elsewhere changes nothing: <see cref="StripStringReference"/> runs every regex and the
    /// tests compare the two.
    /// </summary>
    private sealed class UnitPattern(string unit)
    {
        /// <summary>The unit's first character (never the '.' wildcard).</summary>
        public char First { get; } = unit[0];

        public Regex Regex { get; } = new("(^|" + NonWord + ")" + unit + "($|" + NonWord + ")", RegexOptions.CultureInvariant);

        /// <summary>True when <c>(^|\W)unit($|\W)</c> matches somewhere in <paramref name="s"/> ('.' in a unit is the regex wildcard).</summary>
        public bool CanMatch(string s)
        {
            int n = unit.Length;
            for (int i = s.IndexOf(unit[0], StringComparison.Ordinal); i >= 0 && i + n <= s.Length; i = s.IndexOf(unit[0], i + 1))
            {
                if ((i == 0 || !IsWordChar(s[i - 1])) && (i + n == s.Length || !IsWordChar(s[i + n])) && MatchesAt(s, i))
                {
                    return true;
                }
            }

            return false;
        }

        private bool MatchesAt(string s, int at)
        {
            for (int k = 1; k < unit.Length; k++)
            {
                // '.' matches any character but a newline; strip_string has removed every newline before the unit loop.
                if (unit[k] == '.' ? s[at + k] == '\n' : s[at + k] != unit[k])
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Which ASCII characters a string holds (non-ASCII ones are always "maybe"): skips most units in one test.</summary>
    private readonly struct CharSet
    {
        private readonly ulong _low;
        private readonly ulong _high;

        public CharSet(string s)
        {
            foreach (char c in s)
            {
                if (c < 64)
                {
                    _low |= 1UL << c;
                }
                else if (c < 128)
                {
                    _high |= 1UL << (c - 64);
                }
            }
        }

        public bool MayContain(char c) => c >= 128 || (c < 64 ? (_low >> c & 1) != 0 : (_high >> (c - 64) & 1) != 0);
    }

    /// <summary>Python 3 <c>\w</c> as <see cref="NonWord"/> negates it: a letter, a number or an underscore.</summary>
    private static bool IsWordChar(char c) => c == '_' || char.IsLetter(c) || char.IsNumber(c);

    private static UnitPattern[] BuildUnits()
    {
        var all = BaseUnits.Concat(BaseUnits.Select(u => u + "s")).ToArray();
        // CanMatch understands literal characters and '.'; any other regex syntax in a unit would need the regex itself.
        if (all.FirstOrDefault(u => u.Length == 0 || u[0] == '.' || u.Any(c => "\\^$|?*+()[]{}".Contains(c))) is string odd)
        {
            throw new InvalidOperationException($"unit pattern '{odd}' needs regex syntax CanMatch does not model");
        }

        return all.Select(u => new UnitPattern(u)).ToArray();
    }

    /// <summary>Number of unit patterns (264).</summary>
    internal static int UnitPatternCount => Units.Length;

    [GeneratedRegex(@"\\begin\{array\}\{.*?\}")]
    private static partial Regex BeginArray();

    [GeneratedRegex(@"\\end\{array\}")]
    private static partial Regex EndArray();

    [GeneratedRegex(@"\\text\{.*?\}$")]
    private static partial Regex TrailingText();

    [GeneratedRegex(@"\\text\{(.*?)\}")]
    private static partial Regex TextUnwrap();

    [GeneratedRegex(@"\\mbox\{.*?\}")]
    private static partial Regex Mbox();

    [GeneratedRegex(@"(\d+)\.0*([^\d])")]
    private static partial Regex TrailingZerosInside();

    [GeneratedRegex(@"(\d+)\.0*$")]
    private static partial Regex TrailingZerosEnd();

    [GeneratedRegex(@"\\sqrt([\p{L}\p{N}_]+)")]
    private static partial Regex SqrtNoBraces();

    /// <summary>ZG <c>strip_string(s)</c>.</summary>
    public static string StripString(string input) => Strip(input, skipImpossibleUnits: true);

    /// <summary>The naive reference for <see cref="StripString"/>: every unit regex runs, as in ZG.</summary>
    internal static string StripStringReference(string input) => Strip(input, skipImpossibleUnits: false);

    private static string Strip(string input, bool skipImpossibleUnits)
    {
        var s = input.Trim();
        s = s.Replace("\n", string.Empty);
        s = s.TrimEnd('.');
        s = s.Replace("\\!", string.Empty);
        s = BeginArray().Replace(s, "\\begin{pmatrix}");
        s = EndArray().Replace(s, "\\end{pmatrix}");
        s = s.Replace("bmatrix", "pmatrix");
        s = s.Replace("tfrac", "frac").Replace("dfrac", "frac");
        s = s.Replace("\\left", string.Empty).Replace("\\right", string.Empty);
        s = s.Replace("\\{", "{").Replace("\\}", "}");

        var t = TrailingText().Replace(s, string.Empty).Trim();
        if (t.Length != 0 && t != s)
        {
            s = t;
        }

        var present = new CharSet(s);
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var u in Units)
            {
                if (skipImpossibleUnits && !(present.MayContain(u.First) && u.CanMatch(s)))
                {
                    continue;
                }

                var r = u.Regex.Replace(s, "$1$2");
                if (r.Length != 0 && r != s)
                {
                    s = r;
                    present = new CharSet(s);
                }
            }
        }

        s = s.Replace("^{\\circ}", string.Empty).Replace("^\\circ", string.Empty);
        s = s.Replace("\\$", string.Empty).Replace("$", string.Empty);
        s = WordToNumber.Convert(s);
        s = TextUnwrap().Replace(s, "$1");
        foreach (var key in (string[])["x=", "y=", "z=", "x\\in", "y\\in", "z\\in", "x\\to", "y\\to", "z\\to"])
        {
            s = s.Replace(key, string.Empty);
        }

        s = s.Replace("\\emptyset", "{}");
        s = s.Replace("(-\\infty,\\infty)", "\\mathbb{R}");
        s = s.Replace("\\%", string.Empty).Replace("%", string.Empty);
        s = s.Replace(" .", " 0.").Replace("{.", "{0.");
        s = s.Replace("infinity", "\\infty");
        if (!s.Contains("\\infty", StringComparison.Ordinal))
        {
            s = s.Replace("inf", "\\infty");
        }

        s = s.Replace("+\\inity", "\\infty");
        s = s.Replace("and", string.Empty);
        s = s.Replace("\\mathbf", string.Empty);
        s = Mbox().Replace(s, string.Empty);
        if (s.Contains('j') && !s.Contains('i'))
        {
            s = s.Replace('j', 'i');
        }

        s = TrailingZerosInside().Replace(s, "$1$2");
        s = TrailingZerosEnd().Replace(s, "$1");
        if (s.Length == 0)
        {
            return s;
        }

        if (s[0] == '.')
        {
            s = "0" + s;
        }

        var eq = s.Split('=');
        if (eq.Length == 2 && eq[0].Length <= 2)
        {
            s = eq[1];
        }

        s = SqrtNoBraces().Replace(s, "\\sqrt{$1}");
        s = s.Replace(" ", string.Empty);
        s = FixFracs(s);
        s = FixSlash(s);
        return s;
    }

    /// <summary>ZG <c>_fix_fracs</c>.</summary>
    internal static string FixFracs(string s)
    {
        var parts = s.Split("\\frac");
        var sb = new StringBuilder(parts[0]);
        for (var k = 1; k < parts.Length; k++)
        {
            var p = parts[k];
            sb.Append("\\frac");
            if (p.Length > 0 && p[0] == '{')
            {
                sb.Append(p);
                continue;
            }

            if (p.Length < 2)
            {
                return s;
            }

            var a = p[0];
            var b = p[1];
            if (b != '{')
            {
                sb.Append('{').Append(a).Append("}{").Append(b).Append('}').Append(p, 2, p.Length - 2);
            }
            else
            {
                sb.Append('{').Append(a).Append('}').Append(p, 1, p.Length - 1);
            }
        }

        return sb.ToString();
    }

    /// <summary>ZG <c>_fix_a_slash_b</c>.</summary>
    internal static string FixSlash(string s)
    {
        var parts = s.Split('/');
        if (parts.Length != 2)
        {
            return s;
        }

        string a = parts[0], b = parts[1];
        if (!a.Contains("sqrt", StringComparison.Ordinal))
        {
            if (!PyCompat.TryInt(a, out var ai))
            {
                return s;
            }

            a = ai.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (!b.Contains("sqrt", StringComparison.Ordinal))
        {
            if (!PyCompat.TryInt(b, out var bi))
            {
                return s;
            }

            b = bi.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return s == a + "/" + b ? "\\frac{" + a + "}{" + b + "}" : s;
    }
}
