using System.Numerics;
using System.Text.RegularExpressions;
using Sift.Grading.Evaluation;
using Sift.Grading.Parsing;

namespace Sift.Grading.Compat;

/// <summary>
/// Faithful port of ZG's <c>math_equal(pred, ref)</c> (spec §2.7) with the percentage rule (ref/100, ref, ref×100),
/// relative tolerance 1e-4 and the bracket-stripping shortcut. sympy's stage is replaced by our parser + evaluator
/// with sympy-like prefix parsing (see <see cref="MathParser.ParsePrefix"/>).
/// </summary>
public static partial class ZgMathEqual
{
    [GeneratedRegex(@"\{.*,.*\}")]
    private static partial Regex BracedList();

    [GeneratedRegex(@"^(\(|\[).+(\)|\])")]
    private static partial Regex Bracketed();

    /// <summary><c>math_equal(prediction, reference)</c>; <paramref name="rule"/> names the step that returned true (or the last step).</summary>
    public static bool MathEqual(string prediction, string reference, Budget budget, out string rule)
    {
        rule = "none";
        return Equal(prediction, reference, budget, ref rule, 0);
    }

    private static double? ParseDigits(string x)
    {
        var num = x.Replace(",", string.Empty);
        if (PyCompat.TryFloat(num, out var v))
        {
            return v;
        }

        if (num.EndsWith('%'))
        {
            num = num[..^1];
            if (num.EndsWith('\\'))
            {
                num = num[..^1];
            }

            if (PyCompat.TryFloat(num, out var p))
            {
                return p / 100;
            }
        }

        return null;
    }

    private static bool Equal(string prediction, string reference, Budget budget, ref string rule, int depth)
    {
        budget.Check();
        if (depth > 20)
        {
            return false;
        }

        if (prediction == reference)
        {
            rule = "string";
            return true;
        }

        var pd = ParseDigits(prediction);
        var rd = ParseDigits(reference);
        if (pd is { } p && rd is { } r)
        {
            rule = "numeric";
            foreach (var item in (double[])[r / 100, r, r * 100])
            {
                if (PyCompat.IsClose(item, p, 1e-4))
                {
                    rule = item == r ? "numeric" : "numeric-percentage";
                    return true;
                }
            }

            return false;
        }

        if (prediction.Length == 0)
        {
            rule = "empty-prediction";
            return false;
        }

        reference = reference.Trim();
        prediction = prediction.Trim();
        if (prediction.Contains("pmatrix", StringComparison.Ordinal) && !reference.Contains("pmatrix", StringComparison.Ordinal))
        {
            reference = string.Join(", ", BracedList().Matches(reference).Select(m =>
                "\\begin{pmatrix}" + m.Value.Trim('{', '}').Replace(",", "\\") + "\\end{pmatrix}"));
        }

        // Brackets: strip them leniently, drop all {}() and compare case-insensitively.
        var predStr = prediction;
        var refStr = reference;
        if ((prediction.StartsWith('[') && prediction.EndsWith(']') && !reference.StartsWith('('))
            || (prediction.StartsWith('(') && prediction.EndsWith(')') && !reference.StartsWith('[')))
        {
            predStr = predStr.Trim('[', ']', '(', ')');
            refStr = refStr.Trim('[', ']', '(', ')');
        }

        foreach (var ch in "{}()")
        {
            refStr = refStr.Replace(ch.ToString(), string.Empty);
            predStr = predStr.Replace(ch.ToString(), string.Empty);
        }

        if (string.Equals(predStr.ToLowerInvariant(), refStr.ToLowerInvariant(), StringComparison.Ordinal))
        {
            rule = "bracket-stripped-string";
            return true;
        }

        if (Bracketed().IsMatch(prediction) && Bracketed().IsMatch(reference))
        {
            var pp = prediction[1..^1].Split(',');
            var rp = reference[1..^1].Split(',');
            if (pp.Length == rp.Length)
            {
                var all = true;
                for (var i = 0; i < pp.Length && all; i++)
                {
                    var sub = "none";
                    all = Equal(pp[i], rp[i], budget, ref sub, depth + 1);
                }

                if (all)
                {
                    rule = "tuple";
                    return true;
                }
            }
        }

        if (IsMatrix(prediction) && IsMatrix(reference) && MatrixCells(prediction, reference, budget, depth))
        {
            rule = "matrix";
            return true;
        }

        var pc = prediction.Count(c => c == '=');
        var rc = reference.Count(c => c == '=');
        if (pc == 1 && rc == 1)
        {
            var ps = prediction.Split('=');
            var rs = reference.Split('=');
            var pe = $"{ps[0].Trim()} - ({ps[1].Trim()})";
            var re = $"{rs[0].Trim()} - ({rs[1].Trim()})";
            if (SymbolicEqual(pe, re, budget) || SymbolicEqual($"-({pe})", re, budget))
            {
                rule = "equation";
                return true;
            }
        }
        else if (pc == 1 && prediction.Split('=')[0].Trim().Length <= 2 && rc == 0)
        {
            var sub = "none";
            if (Equal(prediction.Split('=')[1], reference, budget, ref sub, depth + 1))
            {
                rule = "assignment:" + sub;
                return true;
            }
        }
        else if (rc == 1 && reference.Split('=')[0].Trim().Length <= 2 && pc == 0)
        {
            var sub = "none";
            if (Equal(prediction, reference.Split('=')[1], budget, ref sub, depth + 1))
            {
                rule = "assignment:" + sub;
                return true;
            }
        }

        if (SymbolicEqual(prediction, reference, budget))
        {
            rule = "symbolic";
            return true;
        }

        rule = "not-equal";
        return false;
    }

    private static bool IsMatrix(string s) =>
        (s.StartsWith("\\begin{pmatrix}", StringComparison.Ordinal) || s.StartsWith("\\begin{bmatrix}", StringComparison.Ordinal))
        && (s.EndsWith("\\end{pmatrix}", StringComparison.Ordinal) || s.EndsWith("\\end{bmatrix}", StringComparison.Ordinal));

    private static bool MatrixCells(string prediction, string reference, Budget budget, int depth)
    {
        static List<string> Lines(string s) => s.Length < 28 ? [] : s[15..^13].Split("\\\\").Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var pl = Lines(prediction);
        var rl = Lines(reference);
        if (pl.Count != rl.Count)
        {
            return false;
        }

        for (var i = 0; i < pl.Count; i++)
        {
            var pp = pl[i].Split('&');
            var rp = rl[i].Split('&');
            if (pp.Length != rp.Length)
            {
                return false;
            }

            for (var j = 0; j < pp.Length; j++)
            {
                var sub = "none";
                if (!Equal(pp[j], rp[j], budget, ref sub, depth + 1))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>ZG <c>symbolic_equal</c> with our evaluator in place of sympy.</summary>
    internal static bool SymbolicEqual(string a, string b, Budget budget)
    {
        var na = MathParser.ParsePrefix(a.Replace("\\\\", "\\"), budget) ?? MathParser.ParsePrefix(a, budget);
        var nb = MathParser.ParsePrefix(b.Replace("\\\\", "\\"), budget) ?? MathParser.ParsePrefix(b, budget);
        if (na is null || nb is null)
        {
            return na is null && nb is null && a == b;
        }

        if (na.ToString() == nb.ToString())
        {
            return true;
        }

        return SympyLikeEqual(na, nb, budget, 0);
    }

    private static bool SympyLikeEqual(Node a, Node b, Budget budget, int depth)
    {
        if (depth > 10)
        {
            return false;
        }

        if (Evaluator.IsScalar(a) && Evaluator.IsScalar(b))
        {
            var vars = Evaluator.FreeSymbols(a);
            vars.UnionWith(Evaluator.FreeSymbols(b));
            if (vars.Count > 0)
            {
                return SameFunction(a, b, vars, budget, absolute: false);
            }

            if (Evaluator.TryExact(a, null, budget) is { } ea && Evaluator.TryExact(b, null, budget) is { } eb && ea == eb)
            {
                return true;
            }

            // float(N(a)) raises for complex values: only real numbers reach isclose.
            var ca = Evaluator.Eval(a, null, budget);
            var cb = Evaluator.Eval(b, null, budget);
            return IsReal(ca) && IsReal(cb) && PyCompat.IsClose(ca.Real, cb.Real, 1e-4);
        }

        if (a is RelationNode { Ops: ["="] } ra && b is RelationNode { Ops: ["="] } rb && ra.Operands.All(Evaluator.IsScalar) && rb.Operands.All(Evaluator.IsScalar))
        {
            var fa = new AddNode([ra.Operands[0], new NegNode(ra.Operands[1])]);
            var fb = new AddNode([rb.Operands[0], new NegNode(rb.Operands[1])]);
            var vars = Evaluator.FreeSymbols(fa);
            vars.UnionWith(Evaluator.FreeSymbols(fb));
            return SameFunction(fa, fb, vars, budget, absolute: true);
        }

        if (a is MatrixNode ma && b is MatrixNode mb && ma.Rows.Length == mb.Rows.Length
            && ma.Rows.Zip(mb.Rows).All(z => z.First.Length == z.Second.Length))
        {
            for (var i = 0; i < ma.Rows.Length; i++)
            {
                for (var j = 0; j < ma.Rows[i].Length; j++)
                {
                    if (!MatrixEntryEqual(ma.Rows[i][j], mb.Rows[i][j], budget))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        if (a is TupleNode ta && b is TupleNode tb && ta.Items.Length == tb.Items.Length)
        {
            return ta.Items.Zip(tb.Items).All(z => SympyLikeEqual(z.First, z.Second, budget, depth + 1));
        }

        return false;
    }

    private static bool MatrixEntryEqual(Node a, Node b, Budget budget)
    {
        if (!Evaluator.IsScalar(a) || !Evaluator.IsScalar(b))
        {
            return false;
        }

        var vars = Evaluator.FreeSymbols(a);
        vars.UnionWith(Evaluator.FreeSymbols(b));
        if (vars.Count > 0)
        {
            return SameFunction(a, b, vars, budget, absolute: false);
        }

        // sympy: applyfunc(round(x, 3)) on both, then equals.
        var ca = Evaluator.Eval(a, null, budget);
        var cb = Evaluator.Eval(b, null, budget);
        return IsReal(ca) && IsReal(cb) && Math.Round(ca.Real, 3, MidpointRounding.ToEven) == Math.Round(cb.Real, 3, MidpointRounding.ToEven);
    }

    private static bool IsReal(Complex c) => double.IsFinite(c.Real) && Math.Abs(c.Imaginary) <= 1e-12 * Math.Max(1, Math.Abs(c.Real));

    /// <summary>simplify(a-b)==0 approximated at random points (|a| vs |b| for equations).</summary>
    private static bool SameFunction(Node a, Node b, SortedSet<string> vars, Budget budget, bool absolute)
    {
        var rng = new Random(4242);
        var valid = 0;
        for (var k = 0; k < 18 && valid < 6; k++)
        {
            budget.CheckNow();
            var env = vars.ToDictionary(v => v, _ => (Complex)(0.2 + 3 * rng.NextDouble()), StringComparer.Ordinal);
            Complex Lookup(string n) => env.TryGetValue(n, out var v) ? v : Complex.NaN;
            var ca = Evaluator.Eval(a, Lookup, budget);
            var cb = Evaluator.Eval(b, Lookup, budget);
            if (!double.IsFinite(ca.Real) || !double.IsFinite(cb.Real) || !double.IsFinite(ca.Imaginary) || !double.IsFinite(cb.Imaginary))
            {
                continue;
            }

            var scale = Math.Max(Complex.Abs(ca), Complex.Abs(cb));
            var same = Complex.Abs(ca - cb) <= 1e-9 * scale + 1e-12;
            if (!same && absolute)
            {
                same = Complex.Abs(ca + cb) <= 1e-9 * scale + 1e-12;
            }

            if (!same)
            {
                return false;
            }

            valid++;
        }

        return valid >= 3;
    }
}
