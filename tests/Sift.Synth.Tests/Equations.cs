using System.Globalization;
using System.Text.RegularExpressions;

namespace Sift.Synth.Tests;

/// <summary>An independent reader of worked solutions: finds every "a op b ... = c" and recomputes it exactly.</summary>
internal static partial class Equations
{
    [GeneratedRegex(@"(?<lhs>\$?\d+(?:\.\d+)?(?:\s*[-+*/]\s*\$?\d+(?:\.\d+)?)+)\s*=\s*(?<rhs>\$?\d+(?:\.\d+)?)")]
    private static partial Regex EquationPattern();

    [GeneratedRegex(@"\$?\d+(?:\.\d+)?|[-+*/]")]
    private static partial Regex TokenPattern();

    /// <summary>Every equation in <paramref name="text"/> with its stated and recomputed value, in order.</summary>
    public static List<(string Text, decimal Stated, decimal Actual, int RhsStart, int RhsEnd)> All(string text)
    {
        var list = new List<(string, decimal, decimal, int, int)>();
        foreach (Match m in EquationPattern().Matches(text))
        {
            var rhs = m.Groups["rhs"];
            list.Add((m.Value, Num(rhs.Value), Evaluate(m.Groups["lhs"].Value), rhs.Index, rhs.Index + rhs.Length));
        }
        return list;
    }

    /// <summary>Evaluates + - * / with the usual precedence, exactly (decimal; a non-terminating division fails the comparison).</summary>
    public static decimal Evaluate(string expr)
    {
        var toks = TokenPattern().Matches(expr).Select(m => m.Value).ToList();
        var terms = new List<decimal>();
        var signs = new List<char> { '+' };
        decimal cur = Num(toks[0]);
        for (int i = 1; i < toks.Count; i += 2)
        {
            char op = toks[i][0];
            decimal v = Num(toks[i + 1]);
            if (op is '*' or '/')
            {
                cur = op == '*' ? cur * v : cur / v;
            }
            else
            {
                terms.Add(cur);
                signs.Add(op);
                cur = v;
            }
        }
        terms.Add(cur);
        decimal r = 0;
        for (int i = 0; i < terms.Count; i++)
        {
            r += signs[i] == '+' ? terms[i] : -terms[i];
        }
        return r;
    }

    public static decimal Num(string s) => decimal.Parse(s.TrimStart('$'), NumberStyles.Number, CultureInfo.InvariantCulture);
}
