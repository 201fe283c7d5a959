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

    private sealed record UnitPattern(Regex Regex, string[] Literals);

    private static UnitPattern[] BuildUnits()
    {
        var all = BaseUnits.Concat(BaseUnits.Select(u => u + "s")).ToArray();
        return all.Select(u => new UnitPattern(
            new Regex("(^|" + NonWord + ")" + u + "($|" + NonWord + ")", RegexOptions.CultureInvariant),
            u.Split('.', StringSplitOptions.RemoveEmptyEntries).Where(p => p.Length > 0).ToArray())).ToArray();
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
    public static string StripString(string input)
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

        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var u in Units)
            {
                if (!ContainsAll(s, u.Literals))
                {
                    continue;
                }

                var r = u.Regex.Replace(s, "$1$2");
                if (r.Length != 0)
                {
                    s = r;
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

    private static bool ContainsAll(string s, string[] literals)
    {
        foreach (var l in literals)
        {
            if (!s.Contains(l, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
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
