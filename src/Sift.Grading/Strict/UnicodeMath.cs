using System.Text;
using System.Text.RegularExpressions;

namespace Sift.Grading.Strict;

/// <summary>
/// Rewrites Unicode math symbols as the LaTeX the parser reads, so <c>−5</c> (U+2212), <c>∞</c>, <c>x²</c>, <c>3½</c>,
/// <c>2√3</c>, <c>ℝ∖{2}</c> and <c>θ</c> grade like <c>-5</c>, <c>\infty</c>, <c>x^{2}</c>, <c>3\frac{1}{2}</c>,
/// <c>2\sqrt{3}</c>, <c>\mathbb{R}\setminus\{2\}</c> and <c>\theta</c>. A radical sign covers the number or letter
/// right after it (<c>√12</c> is √(12), not LaTeX's <c>\sqrt 12</c> = √1·2).
/// </summary>
internal static partial class UnicodeMath
{
    private static readonly Dictionary<char, string> Symbols = new()
    {
        ['−'] = "-",
        ['–'] = "-",
        ['‒'] = "-",
        ['﹣'] = "-",
        ['－'] = "-",
        ['⁄'] = "/",
        ['∕'] = "/",
        ['∞'] = "\\infty ",
        ['π'] = "\\pi ",
        ['×'] = "\\times ",
        ['·'] = "\\cdot ",
        ['⋅'] = "\\cdot ",
        ['∙'] = "\\cdot ",
        ['÷'] = "\\div ",
        ['≤'] = "\\le ",
        ['⩽'] = "\\le ",
        ['≥'] = "\\ge ",
        ['⩾'] = "\\ge ",
        ['≠'] = "\\ne ",
        ['≈'] = "\\approx ",
        ['∈'] = "\\in ",
        ['∪'] = "\\cup ",
        ['∩'] = "\\cap ",
        ['∅'] = "\\emptyset ",
        ['∖'] = "\\setminus ",
        ['ℝ'] = "\\mathbb{R}",
        ['±'] = "\\pm ",
        ['∓'] = "\\mp ",
        ['′'] = "'",
        ['α'] = "\\alpha ",
        ['β'] = "\\beta ",
        ['γ'] = "\\gamma ",
        ['δ'] = "\\delta ",
        ['ε'] = "\\epsilon ",
        ['θ'] = "\\theta ",
        ['λ'] = "\\lambda ",
        ['μ'] = "\\mu ",
        ['σ'] = "\\sigma ",
        ['φ'] = "\\phi ",
        ['ω'] = "\\omega ",
        ['½'] = "\\frac{1}{2}",
        ['⅓'] = "\\frac{1}{3}",
        ['⅔'] = "\\frac{2}{3}",
        ['¼'] = "\\frac{1}{4}",
        ['¾'] = "\\frac{3}{4}",
        ['⅕'] = "\\frac{1}{5}",
        ['⅖'] = "\\frac{2}{5}",
        ['⅗'] = "\\frac{3}{5}",
        ['⅘'] = "\\frac{4}{5}",
        ['⅙'] = "\\frac{1}{6}",
        ['⅚'] = "\\frac{5}{6}",
        ['⅛'] = "\\frac{1}{8}",
        ['⅜'] = "\\frac{3}{8}",
        ['⅝'] = "\\frac{5}{8}",
        ['⅞'] = "\\frac{7}{8}",
    };

    private const string Superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";

    [GeneratedRegex(@"([√∛∜])\s*(\d+(?:\.\d+)?|[A-Za-z])")]
    private static partial Regex RadicalOperand();

    // ℝ∖{2}: plain-text braces after ∖ are a set, not a LaTeX group.
    [GeneratedRegex(@"\\setminus\s*\{([^{}\\]*)\}")]
    private static partial Regex PlainSetAfterMinus();

    [GeneratedRegex("(⁻?)([⁰¹²³⁴⁵⁶⁷⁸⁹]+)")]
    private static partial Regex SuperscriptRun();

    /// <summary>True when <paramref name="s"/> has a character this class rewrites (the common case is none).</summary>
    public static bool Needs(string s)
    {
        foreach (char c in s)
        {
            if (c > 127 && (Symbols.ContainsKey(c) || Superscripts.Contains(c) || c is '√' or '∛' or '∜' or '⁻'))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The LaTeX reading of <paramref name="s"/>.</summary>
    public static string Fold(string s)
    {
        if (!Needs(s))
        {
            return s;
        }
        s = RadicalOperand().Replace(s, m => Root(m.Groups[1].Value[0]) + "{" + m.Groups[2].Value + "}");
        s = SuperscriptRun().Replace(s, m => "^{" + (m.Groups[1].Length > 0 ? "-" : "") + string.Concat(m.Groups[2].Value.Select(c => (char)('0' + Superscripts.IndexOf(c)))) + "}");
        var sb = new StringBuilder(s.Length + 8);
        foreach (char c in s)
        {
            if (Symbols.TryGetValue(c, out var t))
            {
                sb.Append(t);
            }
            else if (c is '√' or '∛' or '∜')
            {
                sb.Append(Root(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return PlainSetAfterMinus().Replace(sb.ToString(), "\\setminus\\{$1\\}");
    }

    private static string Root(char c) => c switch
    {
        '∛' => "\\sqrt[3]",
        '∜' => "\\sqrt[4]",
        _ => "\\sqrt",
    };
}
