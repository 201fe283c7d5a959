using System.Numerics;
using Sift.Grading.Numerics;
using Sift.Grading.Parsing;

namespace Sift.Grading.Evaluation;

/// <summary>
/// Evaluates scalar expression trees: exactly over BigInteger rationals where the expression allows it,
/// otherwise in complex double arithmetic. Variables come from an environment (random points).
/// </summary>
public static class Evaluator
{
    /// <summary>Largest result size (bits) exact arithmetic may produce before giving up.</summary>
    private const long MaxBits = 400_000;

    /// <summary>Exact value, or null when the expression is not a rational number (π, √2, unknown symbols, …).</summary>
    public static Rational? TryExact(Node node, IReadOnlyDictionary<string, Rational>? env, Budget budget)
    {
        budget.Check();
        switch (node)
        {
            case NumberNode n:
                return n.Value;
            case SymbolNode s:
                return env is not null && env.TryGetValue(s.Name, out var v) ? v : null;
            case NegNode neg:
                return -TryExact(neg.X, env, budget);
            case PercentNode p:
                return TryExact(p.X, env, budget) is { } pv ? pv / new Rational(100) : null;
            case AddNode add:
                {
                    var sum = Rational.Zero;
                    foreach (var t in add.Terms)
                    {
                        if (TryExact(t, env, budget) is not { } tv)
                        {
                            return null;
                        }

                        sum += tv;
                        if (sum.Bits > MaxBits)
                        {
                            return null;
                        }
                    }

                    return sum;
                }

            case MulNode mul:
                {
                    var prod = Rational.One;
                    foreach (var f in mul.Factors)
                    {
                        if (TryExact(f, env, budget) is not { } fv)
                        {
                            return null;
                        }

                        prod *= fv;
                        if (prod.Bits > MaxBits)
                        {
                            return null;
                        }
                    }

                    return prod;
                }

            case DivNode div:
                {
                    if (TryExact(div.N, env, budget) is not { } a || TryExact(div.D, env, budget) is not { } b || b.IsZero)
                    {
                        return null;
                    }

                    return a / b;
                }

            case PowNode pow:
                {
                    if (TryExact(pow.B, env, budget) is not { } b || TryExact(pow.E, env, budget) is not { } e)
                    {
                        return null;
                    }

                    return ExactPow(b, e);
                }

            case FuncNode f:
                return ExactFunc(f, env, budget);
            default:
                return null;
        }
    }

    private static Rational? ExactPow(Rational b, Rational e)
    {
        if (BigInteger.Abs(e.Den) > 64 || BigInteger.Abs(e.Num) > 100_000)
        {
            return null;
        }

        var p = (int)e.Num;
        var q = (int)e.Den;
        if (b.IsZero)
        {
            return p > 0 ? Rational.Zero : null;
        }

        if (b.Bits * Math.Abs((long)p) > MaxBits)
        {
            return null;
        }

        var root = q == 1 ? b : Rational.TryRoot(b, q);
        return root is null ? null : Rational.Pow(root.Value, p);
    }

    private static Rational? ExactFunc(FuncNode f, IReadOnlyDictionary<string, Rational>? env, Budget budget)
    {
        var args = new Rational[f.Args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            if (TryExact(f.Args[i], env, budget) is not { } a)
            {
                return null;
            }

            args[i] = a;
        }

        switch (f.Name)
        {
            case "sqrt":
                return args[0].Sign < 0 ? null : Rational.TryRoot(args[0], 2);
            case "root":
                return args[1].IsInteger && args[1] > Rational.Zero && args[1] <= new Rational(64) ? Rational.TryRoot(args[0], (int)args[1].Num) : null;
            case "abs":
                return args[0].Sign < 0 ? -args[0] : args[0];
            case "floor":
                return new Rational(FloorDiv(args[0].Num, args[0].Den));
            case "ceil":
                return new Rational(-FloorDiv(-args[0].Num, args[0].Den));
            case "factorial":
                {
                    if (!args[0].IsInteger || args[0].Sign < 0 || args[0] > new Rational(5000))
                    {
                        return null;
                    }

                    var r = BigInteger.One;
                    for (var k = 2; k <= (int)args[0].Num; k++)
                    {
                        budget.Check();
                        r *= k;
                    }

                    return new Rational(r);
                }

            case "binom":
                {
                    if (!args[0].IsInteger || !args[1].IsInteger || args[0].Sign < 0 || args[0] > new Rational(5000))
                    {
                        return null;
                    }

                    var n = (int)args[0].Num;
                    var k = args[1] > args[0] || args[1].Sign < 0 ? -1 : (int)args[1].Num;
                    if (k < 0)
                    {
                        return Rational.Zero;
                    }

                    var r = BigInteger.One;
                    for (var j = 1; j <= k; j++)
                    {
                        budget.Check();
                        r = r * (n - k + j) / j;
                    }

                    return new Rational(r);
                }

            case "exp":
                return args[0].IsZero ? Rational.One : null;
            case "ln" or "log":
                return args[0] == Rational.One ? Rational.Zero : null;
            case "lg":
                return ExactLog(args[0], new Rational(10));
            case "logb":
                return ExactLog(args[0], args[1]);
            case "sin" or "tan" or "arcsin" or "arctan" or "asin" or "atan" or "sinh" or "tanh":
                return args[0].IsZero ? Rational.Zero : null;
            case "cos" or "sec" or "cosh":
                return args[0].IsZero ? Rational.One : null;
            default:
                return null;
        }
    }

    private static Rational? ExactLog(Rational x, Rational b)
    {
        // log_b x is rational when x = b^k for a small integer k (handles log_2 8 = 3).
        if (!x.IsInteger || !b.IsInteger || b <= Rational.One || x.Sign <= 0)
        {
            return null;
        }

        var k = 0;
        var p = BigInteger.One;
        while (p < x.Num && k < 4000)
        {
            p *= b.Num;
            k++;
        }

        return p == x.Num ? new Rational(k) : null;
    }

    private static BigInteger FloorDiv(BigInteger n, BigInteger d)
    {
        var q = BigInteger.DivRem(n, d, out var r);
        return r.Sign < 0 ? q - 1 : q;
    }

    /// <summary>Complex value; NaN for undefined. Unknown symbols read from <paramref name="env"/> (NaN when absent).</summary>
    public static Complex Eval(Node node, Func<string, Complex>? env, Budget budget)
    {
        budget.Check();
        switch (node)
        {
            case NumberNode n:
                return n.Value.ToDouble();
            case SymbolNode s:
                return env?.Invoke(s.Name) ?? Complex.NaN;
            case ConstNode c:
                return c.Kind switch
                {
                    MathConstant.Pi => Math.PI,
                    MathConstant.E => Math.E,
                    MathConstant.I => Complex.ImaginaryOne,
                    _ => double.PositiveInfinity,
                };
            case NegNode neg:
                return -Eval(neg.X, env, budget);
            case PercentNode p:
                return Eval(p.X, env, budget) / 100.0;
            case AddNode add:
                {
                    Complex sum = 0;
                    foreach (var t in add.Terms)
                    {
                        sum += Eval(t, env, budget);
                    }

                    return sum;
                }

            case MulNode mul:
                {
                    Complex prod = 1;
                    foreach (var f in mul.Factors)
                    {
                        prod *= Eval(f, env, budget);
                    }

                    return prod;
                }

            case DivNode div:
                {
                    var d = Eval(div.D, env, budget);
                    return d == Complex.Zero ? Complex.NaN : Eval(div.N, env, budget) / d;
                }

            case PowNode pow:
                return Power(Eval(pow.B, env, budget), pow.E, env, budget);
            case FuncNode f:
                return Func(f, env, budget);
            default:
                return Complex.NaN;
        }
    }

    private static Complex Power(Complex b, Node exponentNode, Func<string, Complex>? env, Budget budget)
    {
        var e = Eval(exponentNode, env, budget);
        if (b.Imaginary == 0 && e.Imaginary == 0)
        {
            if (b.Real >= 0 || Math.Abs(e.Real - Math.Round(e.Real)) < 1e-15)
            {
                return Math.Pow(b.Real, e.Real);
            }

            // Negative base with a rational exponent of odd denominator: the real root (∛-8 = -2).
            if (TryExact(exponentNode, null, budget) is { } q && !q.Den.IsEven)
            {
                var mag = Math.Pow(-b.Real, q.ToDouble());
                return q.Num.IsEven ? mag : -mag;
            }
        }

        return Complex.Pow(b, e);
    }

    private static Complex Func(FuncNode f, Func<string, Complex>? env, Budget budget)
    {
        if (f.Name.StartsWith("opaque:", StringComparison.Ordinal))
        {
            return Opaque(f, env, budget);
        }

        var x = Eval(f.Args[0], env, budget);
        switch (f.Name)
        {
            case "sqrt":
                return x.Imaginary == 0 && x.Real >= 0 ? Math.Sqrt(x.Real) : Complex.Sqrt(x);
            case "root":
                {
                    var idx = f.Args[1];
                    if (x.Imaginary == 0 && x.Real < 0 && TryExact(idx, null, budget) is { IsInteger: true } k && !k.Num.IsEven)
                    {
                        return -Math.Pow(-x.Real, 1.0 / (double)k.Num);
                    }

                    var n = Eval(idx, env, budget);
                    return x.Imaginary == 0 && x.Real >= 0 && n.Imaginary == 0 ? Math.Pow(x.Real, 1.0 / n.Real) : Complex.Pow(x, 1.0 / n);
                }

            case "abs":
                return Complex.Abs(x);
            case "floor":
                return x.Imaginary == 0 ? Math.Floor(x.Real) : Complex.NaN;
            case "ceil":
                return x.Imaginary == 0 ? Math.Ceiling(x.Real) : Complex.NaN;
            case "factorial":
                {
                    if (x.Imaginary != 0 || x.Real < 0 || x.Real != Math.Floor(x.Real) || x.Real > 200)
                    {
                        return x.Real > 200 ? double.PositiveInfinity : Complex.NaN;
                    }

                    double r = 1;
                    for (var k = 2; k <= (int)x.Real; k++)
                    {
                        r *= k;
                    }

                    return r;
                }

            case "binom":
                {
                    var k = Eval(f.Args[1], env, budget);
                    if (x.Imaginary != 0 || k.Imaginary != 0 || k.Real != Math.Floor(k.Real) || k.Real < 0 || k.Real > 1000)
                    {
                        return Complex.NaN;
                    }

                    double r = 1;
                    for (var j = 1; j <= (int)k.Real; j++)
                    {
                        r = r * (x.Real - k.Real + j) / j;
                    }

                    return r;
                }

            case "exp":
                return Complex.Exp(x);
            case "ln" or "log":
                return Complex.Log(x);
            case "lg":
                return Complex.Log10(x);
            case "logb":
                return Complex.Log(x) / Complex.Log(Eval(f.Args[1], env, budget));
            case "sin":
                return Complex.Sin(x);
            case "cos":
                return Complex.Cos(x);
            case "tan":
                return Complex.Tan(x);
            case "sec":
                return 1 / Complex.Cos(x);
            case "csc":
                return 1 / Complex.Sin(x);
            case "cot":
                return 1 / Complex.Tan(x);
            case "arcsin" or "asin":
                return Complex.Asin(x);
            case "arccos" or "acos":
                return Complex.Acos(x);
            case "arctan" or "atan":
                return Complex.Atan(x);
            case "arcsec":
                return Complex.Acos(1 / x);
            case "arccsc":
                return Complex.Asin(1 / x);
            case "arccot":
                return Complex.Atan(1 / x);
            case "sinh":
                return Complex.Sinh(x);
            case "cosh":
                return Complex.Cosh(x);
            case "tanh":
                return Complex.Tanh(x);
            case "coth":
                return 1 / Complex.Tanh(x);
            case "sech":
                return 1 / Complex.Cosh(x);
            case "csch":
                return 1 / Complex.Sinh(x);
            default:
                return Complex.NaN;
        }
    }

    /// <summary>A deterministic pseudo-random value of an uninterpreted function of its (rounded) argument values.</summary>
    private static Complex Opaque(FuncNode f, Func<string, Complex>? env, Budget budget)
    {
        ulong h = 1469598103934665603UL;
        foreach (var c in f.Name)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        foreach (var a in f.Args)
        {
            var v = Eval(a, env, budget);
            if (!double.IsFinite(v.Real) || !double.IsFinite(v.Imaginary))
            {
                return Complex.NaN;
            }

            // Round to 9 significant digits so equal values computed differently hash equally.
            h = (h ^ (ulong)BitConverter.DoubleToInt64Bits(RoundSig(v.Real))) * 1099511628211UL;
            h = (h ^ (ulong)BitConverter.DoubleToInt64Bits(RoundSig(v.Imaginary))) * 1099511628211UL;
        }

        return 1 + ((h >> 11) / (double)(1UL << 53));
    }

    private static double RoundSig(double v)
    {
        if (v == 0)
        {
            return 0;
        }

        var scale = Math.Pow(10, 8 - Math.Floor(Math.Log10(Math.Abs(v))));
        return Math.Round(v * scale) / scale;
    }

    /// <summary>Free symbol names in a scalar expression (sorted, distinct).</summary>
    public static SortedSet<string> FreeSymbols(Node node)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        Collect(node, set, 0);
        return set;
    }

    private static void Collect(Node node, SortedSet<string> set, int depth)
    {
        if (depth > 200)
        {
            return;
        }

        switch (node)
        {
            case SymbolNode s:
                set.Add(s.Name);
                break;
            case NegNode n:
                Collect(n.X, set, depth + 1);
                break;
            case PercentNode p:
                Collect(p.X, set, depth + 1);
                break;
            case AddNode a:
                foreach (var t in a.Terms)
                {
                    Collect(t, set, depth + 1);
                }

                break;
            case MulNode m:
                foreach (var t in m.Factors)
                {
                    Collect(t, set, depth + 1);
                }

                break;
            case DivNode d:
                Collect(d.N, set, depth + 1);
                Collect(d.D, set, depth + 1);
                break;
            case PowNode p:
                Collect(p.B, set, depth + 1);
                Collect(p.E, set, depth + 1);
                break;
            case FuncNode f:
                foreach (var t in f.Args)
                {
                    Collect(t, set, depth + 1);
                }

                break;
        }
    }

    /// <summary>True when the node is a scalar expression (no tuples, sets, relations, text…).</summary>
    public static bool IsScalar(Node node) => node switch
    {
        NumberNode or SymbolNode or ConstNode => true,
        NegNode n => IsScalar(n.X),
        PercentNode p => IsScalar(p.X),
        AddNode a => a.Terms.All(IsScalar),
        MulNode m => m.Factors.All(IsScalar),
        DivNode d => IsScalar(d.N) && IsScalar(d.D),
        PowNode p => IsScalar(p.B) && IsScalar(p.E),
        FuncNode f => f.Args.All(IsScalar),
        _ => false,
    };

    /// <summary>Scalar, allowing ± inside (expanded by the comparer).</summary>
    public static bool IsScalarOrPm(Node node) => node switch
    {
        PlusMinusNode pm => (pm.A is null || IsScalarOrPm(pm.A)) && IsScalarOrPm(pm.B),
        NegNode n => IsScalarOrPm(n.X),
        AddNode a => a.Terms.All(IsScalarOrPm),
        MulNode m => m.Factors.All(IsScalarOrPm),
        DivNode d => IsScalarOrPm(d.N) && IsScalarOrPm(d.D),
        PowNode p => IsScalarOrPm(p.B) && IsScalarOrPm(p.E),
        FuncNode f => f.Args.All(IsScalarOrPm),
        _ => IsScalar(node),
    };

    /// <summary>True when the expression contains a decimal literal (an inexact, rounded input).</summary>
    public static bool HasDecimal(Node node) => node switch
    {
        NumberNode n => n.Decimals > 0,
        NegNode n => HasDecimal(n.X),
        PercentNode p => HasDecimal(p.X),
        AddNode a => a.Terms.Any(HasDecimal),
        MulNode m => m.Factors.Any(HasDecimal),
        DivNode d => HasDecimal(d.N) || HasDecimal(d.D),
        PowNode p => HasDecimal(p.B) || HasDecimal(p.E),
        FuncNode f => f.Args.Any(HasDecimal),
        _ => false,
    };
}
