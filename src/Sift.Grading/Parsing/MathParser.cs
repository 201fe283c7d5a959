using System.Numerics;
using Sift.Grading.Numerics;

namespace Sift.Grading.Parsing;

/// <summary>
/// Recursive-descent parser for LaTeX and plain-text answers. Fuzz-safe: bounded input length and nesting depth,
/// and the only exception it lets escape is <see cref="ParseException"/> (plus <see cref="GradeTimeoutException"/> from the budget).
/// </summary>
public sealed class MathParser
{
    /// <summary>Longest input accepted (characters).</summary>
    public const int MaxLength = 4000;

    private const int MaxDepth = 600;

    private static readonly HashSet<string> Functions = new(StringComparer.Ordinal)
    {
        "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "asin", "acos", "atan",
        "sinh", "cosh", "tanh", "log", "ln", "lg", "exp", "abs",
    };

    private static readonly HashSet<string> Noise = new(StringComparer.Ordinal)
    {
        "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
        "displaystyle", "textstyle", "quad", "qquad", "limits", "nolimits", "middle", "circ", "angle",
        "measuredangle", "degree", "space", "hspace", "mathstrut", "strut",
    };

    /// <summary>
    /// Commands sympy's <c>parse_latex</c> grammar (LaTeX.g4) has a token for. Any other <c>\name</c> lexes as its
    /// SYMBOL token and becomes a plain symbol: <c>\pi</c> is <c>Symbol('pi')</c> (so <c>float(N(288\pi))</c> raises),
    /// <c>\displaystyle</c> multiplies what follows, <c>\pm</c>, <c>\approx</c>, <c>\in</c> are symbols too.
    /// </summary>
    private static readonly HashSet<string> SympyCommands = new(StringComparer.Ordinal)
    {
        "left", "right", "quad", "qquad", "thinspace", "medspace", "thickspace", "negthinspace", "negmedspace",
        "negthickspace", "vrule", "vcenter", "vbox", "vskip", "vspace", "hfil", "langle", "rangle", "lim", "to",
        "rightarrow", "Rightarrow", "longrightarrow", "Longrightarrow", "int", "sum", "prod", "exp", "log", "lg", "ln",
        "sin", "cos", "tan", "csc", "sec", "cot", "arcsin", "arccos", "arctan", "arccsc", "arcsec", "arccot", "sinh",
        "cosh", "tanh", "arsinh", "arcosh", "artanh", "lfloor", "rfloor", "lceil", "rceil", "sqrt", "overline", "times",
        "cdot", "div", "frac", "dfrac", "tfrac", "binom", "dbinom", "tbinom", "mathit", "neq", "leq", "le", "leqq",
        "leqslant", "geq", "ge", "geqq", "geqslant",
    };

    private static readonly HashSet<string> MatrixEnvs = new(StringComparer.Ordinal)
    {
        "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "matrix", "smallmatrix", "array",
    };

    private readonly List<Token> _tokens;
    private readonly Budget _budget;
    private int _pos;
    private int _depth;
    private int _absDepth;

    private readonly bool _sympyStyle;

    private MathParser(List<Token> tokens, Budget budget, bool sympyStyle = false)
    {
        _tokens = tokens;
        _budget = budget;
        _sympyStyle = sympyStyle;
    }

    /// <summary>
    /// sympy <c>parse_latex</c>-like parsing used by compat mode: words split into letters, <c>e</c>/<c>i</c> are plain
    /// symbols, and only the longest leading relation is parsed (trailing tokens ignored, as its grammar has no EOF).
    /// Returns null when not even a prefix parses.
    /// </summary>
    public static Node? ParsePrefix(string text, Budget? budget = null)
    {
        if (text.Length > MaxLength)
        {
            return null;
        }

        try
        {
            var parser = new MathParser(Tokenizer.Tokenize(text, sympyStyle: true), budget ?? Budget.Unlimited, sympyStyle: true);
            return parser.ParseRelation();
        }
        catch (ParseException)
        {
            return null;
        }
    }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="ParseException"/> when it is not a supported expression.</summary>
    public static Node Parse(string text, Budget? budget = null)
    {
        if (text.Length > MaxLength)
        {
            throw new ParseException($"input longer than {MaxLength} characters");
        }

        var parser = new MathParser(Tokenizer.Tokenize(text), budget ?? Budget.Unlimited);
        var node = parser.ParseSequence(null, out _);
        if (parser.Peek.Kind != TokenKind.Eof)
        {
            throw new ParseException($"unexpected '{parser.Peek.Text}'");
        }

        return node;
    }

    /// <summary>Parses and returns null instead of throwing a <see cref="ParseException"/>.</summary>
    public static Node? TryParse(string text, Budget? budget = null)
    {
        try
        {
            return Parse(text, budget);
        }
        catch (ParseException)
        {
            return null;
        }
    }

    private Token Peek => _tokens[_pos];

    private Token PeekAt(int k) => _tokens[Math.Min(_pos + k, _tokens.Count - 1)];

    private Token Next()
    {
        _budget.Check();
        var t = _tokens[_pos];
        if (_pos < _tokens.Count - 1)
        {
            _pos++;
        }

        return t;
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw new ParseException("expression nested too deeply");
        }
    }

    private void Expect(string op)
    {
        if (!Peek.IsOp(op))
        {
            throw new ParseException($"expected '{op}' but found '{Peek.Text}'");
        }

        Next();
    }

    private bool IsSeparator(Token t) =>
        t.IsOp(",") || t.IsOp(";") || (t.Kind == TokenKind.Word && t.Text is "and" or "or")
        || (t.Kind == TokenKind.Text && t.Text.Trim() is "and" or "or" or "," or "and," or ", and" or "or,");

    /// <summary>Comma/semicolon separated items up to a closer (null = end of input). Returns the single item or a list.</summary>
    private Node ParseSequence(Func<Token, bool>? isCloser, out List<Node> items)
    {
        Enter();
        items = new List<Node>();
        while (true)
        {
            SkipNoise();
            var t = Peek;
            if (t.Kind == TokenKind.Eof || (isCloser is not null && isCloser(t)))
            {
                break;
            }

            if (IsSeparator(t))
            {
                Next();
                continue;
            }

            items.Add(ParseRelation());
            SkipNoise();
            if (!IsSeparator(Peek))
            {
                break;
            }
        }

        _depth--;
        if (items.Count == 0)
        {
            throw new ParseException("empty expression");
        }

        return items.Count == 1 ? items[0] : new ListNode(items.ToArray());
    }

    /// <summary>In sympy style, a command sympy's grammar does not know: a plain symbol, never an operator or noise.</summary>
    private bool SympySymbol(Token t) => _sympyStyle && t.Kind == TokenKind.Command && !SympyCommands.Contains(t.Text);

    private void SkipNoise()
    {
        while (true)
        {
            var t = Peek;
            if (t.Kind == TokenKind.Command && Noise.Contains(t.Text) && !SympySymbol(t))
            {
                Next();
                continue;
            }

            if (t.Kind == TokenKind.Text && t.Text.Trim().Length == 0)
            {
                Next();
                continue;
            }

            return;
        }
    }

    private static string? RelOp(Token t)
    {
        if (t.Kind == TokenKind.Op)
        {
            return t.Text switch
            {
                "=" => "=",
                "<" => "<",
                ">" => ">",
                "<=" => "<=",
                ">=" => ">=",
                "!=" => "!=",
                _ => null,
            };
        }

        if (t.Kind == TokenKind.Command)
        {
            return t.Text switch
            {
                "le" or "leq" or "leqslant" or "leqq" => "<=",
                "ge" or "geq" or "geqslant" or "geqq" => ">=",
                "lt" => "<",
                "gt" => ">",
                "ne" or "neq" => "!=",
                "approx" or "simeq" or "sim" => "approx",
                "equiv" => "=",
                "in" => "in",
                _ => null,
            };
        }

        return null;
    }

    private Node ParseRelation()
    {
        Enter();
        var operands = new List<Node> { ParseRatio() };
        var ops = new List<string>();
        while (!SympySymbol(Peek) && RelOp(Peek) is { } op)
        {
            Next();
            ops.Add(op);
            operands.Add(ParseRatio());
        }

        _depth--;
        return ops.Count == 0 ? operands[0] : new RelationNode(operands.ToArray(), ops.ToArray());
    }

    private Node ParseRatio()
    {
        var parts = new List<Node> { ParseUnion() };
        while (Peek.IsOp(":"))
        {
            Next();
            parts.Add(ParseUnion());
        }

        return parts.Count == 1 ? parts[0] : new RatioNode(parts.ToArray());
    }

    private Node ParseUnion()
    {
        var parts = new List<Node> { ParseAdditive() };
        while (true)
        {
            if ((Peek.Is(TokenKind.Command, "cup") && !_sympyStyle) || Peek.IsOp("∪"))
            {
                Next();
                parts.Add(ParseAdditive());
            }
            else if (!_sympyStyle && Peek.Kind == TokenKind.Command && Peek.Text is "setminus" or "backslash" or "cap")
            {
                // A \ B and A ∩ B bind like ∪, left to right: ℝ \ {2} ∪ [5, 6] is (ℝ \ {2}) ∪ [5, 6].
                var op = Next().Text == "cap" ? "cap" : "setminus";
                var left = parts.Count == 1 ? parts[0] : new UnionNode(parts.ToArray());
                parts = [new FuncNode(op, [left, ParseAdditive()])];
            }
            else
            {
                break;
            }
        }

        return parts.Count == 1 ? parts[0] : new UnionNode(parts.ToArray());
    }

    private static bool IsPlusMinus(Token t) => t.Is(TokenKind.Command, "pm") || t.IsOp("±") || t.Is(TokenKind.Command, "mp");

    private Node ParseAdditive()
    {
        Enter();
        Node? result = null;
        var terms = new List<Node>();
        if (IsPlusMinus(Peek) && !SympySymbol(Peek))
        {
            Next();
            result = new PlusMinusNode(null, ParseTerm());
        }
        else
        {
            terms.Add(ParseTerm());
        }

        while (true)
        {
            SkipNoise();
            var t = Peek;
            if (t.IsOp("+"))
            {
                Next();
                terms.Add(ParseTerm());
            }
            else if (t.IsOp("-"))
            {
                Next();
                terms.Add(new NegNode(ParseTerm()));
            }
            else if (IsPlusMinus(t) && !SympySymbol(t))
            {
                Next();
                var left = Combine(result, terms);
                terms.Clear();
                result = new PlusMinusNode(left, ParseTerm());
            }
            else
            {
                break;
            }
        }

        _depth--;
        return Combine(result, terms);
    }

    private static Node Combine(Node? head, List<Node> terms)
    {
        if (head is null)
        {
            return terms.Count == 1 ? terms[0] : new AddNode(terms.ToArray());
        }

        if (terms.Count == 0)
        {
            return head;
        }

        var all = new List<Node> { head };
        all.AddRange(terms);
        return new AddNode(all.ToArray());
    }

    private Node ParseTerm()
    {
        Enter();
        var factors = new List<Node> { ParseUnary() };
        while (true)
        {
            SkipNoise();
            var t = Peek;
            if (t.IsOp("*") || t.Is(TokenKind.Command, "cdot") || t.Is(TokenKind.Command, "times") || (t.Is(TokenKind.Command, "ast") && !_sympyStyle))
            {
                Next();
                factors.Add(ParseUnary());
            }
            else if (t.IsOp("/") || t.Is(TokenKind.Command, "div") || (t.Is(TokenKind.Command, "over") && !_sympyStyle))
            {
                Next();
                var num = factors.Count == 1 ? factors[0] : new MulNode(factors.ToArray());
                factors = new List<Node> { new DivNode(num, ParseUnary()) };
            }
            else if (StartsPrimary(t))
            {
                factors.Add(ParsePower());
            }
            else
            {
                break;
            }
        }

        _depth--;
        return factors.Count == 1 ? factors[0] : new MulNode(factors.ToArray());
    }

    private bool StartsPrimary(Token t) => t.Kind switch
    {
        TokenKind.Number or TokenKind.Letter or TokenKind.Begin => true,
        TokenKind.Word => t.Text is not ("and" or "or" or "pct" or "percent" or "percentage"),
        TokenKind.Text => !IsSeparator(t) && t.Text.Trim().Length > 0,
        TokenKind.Command => SympySymbol(t) || StartsPrimaryCommand(t.Text),
        TokenKind.Op => t.Text is "(" or "{" or "\\{" or "∞" or "π" or "√" || (t.Text == "|" && _absDepth == 0),
        _ => false,
    };

    private static bool StartsPrimaryCommand(string name) => name switch
    {
        "cdot" or "times" or "div" or "ast" or "over" or "pm" or "mp" or "cup" or "cap" or "right" or "rfloor" or "rceil"
            or "rangle" or "end" or "setminus" or "backslash" or "to" or "rightarrow" or "Rightarrow" or "implies" or "iff" or "mid" => false,
        _ => RelOp(new Token(TokenKind.Command, name, false)) is null && !Noise.Contains(name),
    };

    private Node ParseUnary()
    {
        Enter();
        SkipNoise();
        Node result;
        if (Peek.IsOp("-"))
        {
            Next();
            result = new NegNode(ParseUnary());
        }
        else if (Peek.IsOp("+"))
        {
            Next();
            result = ParseUnary();
        }
        else
        {
            result = ParsePower();
        }

        _depth--;
        return result;
    }

    private Node ParsePower()
    {
        Enter();
        var b = ParsePostfix(ParsePrimary());
        if (Peek.IsOp("^") || Peek.IsOp("**"))
        {
            Next();
            var e = ParseExponent();
            b = e is null ? b : ParsePostfix(new PowNode(b, e));
        }

        _depth--;
        return b;
    }

    /// <summary>Exponent after '^': a brace group, a signed number/letter/command; null for a degree sign.</summary>
    private Node? ParseExponent()
    {
        Enter();
        SkipNoiseExceptCirc();
        Node? result;
        var t = Peek;
        if ((t.Is(TokenKind.Command, "circ") && !_sympyStyle) || t.IsOp("°"))
        {
            Next();
            result = null;
        }
        else if (t.IsOp("{"))
        {
            Next();
            if (Peek.Is(TokenKind.Command, "circ") && !_sympyStyle && PeekAt(1).IsOp("}"))
            {
                Next();
                Next();
                result = null;
            }
            else
            {
                result = ParseSequence(x => x.IsOp("}"), out _);
                Expect("}");
            }
        }
        else if (t.IsOp("-"))
        {
            Next();
            var inner = ParseExponent() ?? throw new ParseException("bad exponent");
            result = new NegNode(inner);
        }
        else if (t.IsOp("+"))
        {
            Next();
            result = ParseExponent();
        }
        else
        {
            result = ParsePostfix(ParsePrimary());
        }

        _depth--;
        return result;
    }

    private void SkipNoiseExceptCirc()
    {
        while (Peek.Kind == TokenKind.Command && Noise.Contains(Peek.Text) && Peek.Text != "circ")
        {
            Next();
        }
    }

    private Node ParsePostfix(Node x)
    {
        while (true)
        {
            var t = Peek;
            if (t.IsOp("!") && !PeekAt(1).IsOp("="))
            {
                Next();
                x = new FuncNode("factorial", [x]);
            }
            else if (t.IsOp("%") || (t.Kind == TokenKind.Word && t.Text is "percent" or "pct" or "percentage"))
            {
                Next();
                x = new PercentNode(x);
            }
            else if (t.IsOp("°") || (t.Kind == TokenKind.Command && t.Text is "circ" or "degree" && !SympySymbol(t)))
            {
                Next();
            }
            else if (t.IsOp("'") || (t.Is(TokenKind.Command, "prime") && !SympySymbol(t)))
            {
                Next();
                x = x is SymbolNode s ? new SymbolNode(s.Name + "'") : new FuncNode("prime", [x]);
            }
            else if (t.IsOp("_"))
            {
                Next();
                x = Subscript(x, ReadSubscriptText());
            }
            else
            {
                return x;
            }
        }
    }

    private string ReadSubscriptText()
    {
        var t = Peek;
        if (t.IsOp("{"))
        {
            Next();
            var parts = new List<string>();
            var depth = 1;
            while (true)
            {
                var u = Next();
                if (u.Kind == TokenKind.Eof)
                {
                    throw new ParseException("unclosed subscript");
                }

                if (u.IsOp("{"))
                {
                    depth++;
                }
                else if (u.IsOp("}") && --depth == 0)
                {
                    break;
                }

                parts.Add(u.Kind == TokenKind.Command ? "\\" + u.Text : u.Text);
            }

            return string.Concat(parts);
        }

        var one = Next();
        if (one.Kind is TokenKind.Eof or TokenKind.Op && !one.IsOp("-"))
        {
            throw new ParseException("missing subscript");
        }

        return one.Kind == TokenKind.Command ? "\\" + one.Text : one.Text;
    }

    private static Node Subscript(Node x, string sub)
    {
        if (x is NumberNode n && n.Decimals == 0 && int.TryParse(sub, out var b) && b is >= 2 and <= 36)
        {
            // Base-n literal such as 2516_8: evaluate in base b when all digits are valid.
            var digits = n.Value.Num.ToString();
            BigInteger v = BigInteger.Zero;
            foreach (var c in digits)
            {
                var d = c - '0';
                if (d >= b)
                {
                    return new SymbolNode(digits + "_" + sub);
                }

                v = v * b + d;
            }

            return new NumberNode(new Rational(v), 0, digits.Length);
        }

        return x switch
        {
            SymbolNode s => new SymbolNode(s.Name + "_" + sub),
            ConstNode { Kind: MathConstant.E } => new SymbolNode("e_" + sub),
            ConstNode { Kind: MathConstant.I } => new SymbolNode("i_" + sub),
            _ => new SymbolNode(x + "_" + sub),
        };
    }

    private Node ParsePrimary()
    {
        Enter();
        SkipNoise();
        var t = Peek;
        Node result = t.Kind switch
        {
            TokenKind.Number => ParseNumber(),
            TokenKind.Letter => ParseLetter(),
            TokenKind.Word => ParseWord(),
            TokenKind.Command => ParseCommand(),
            TokenKind.Text => ParseText(),
            TokenKind.Begin => ParseEnvironment(),
            TokenKind.Op => ParseOpPrimary(),
            _ => throw new ParseException($"unexpected '{t.Text}'"),
        };
        _depth--;
        return result;
    }

    private static NumberNode MakeNumber(string text)
    {
        if (!Rational.TryParseDecimal(text.TrimEnd('.'), out var v))
        {
            throw new ParseException($"bad number '{text}'");
        }

        var mant = text.Split('e', 'E')[0];
        var dot = mant.IndexOf('.');
        var decimals = dot < 0 ? 0 : mant.Length - dot - 1;
        var sig = mant.Replace(".", string.Empty).TrimStart('0').Length;
        return new NumberNode(v, decimals, Math.Max(sig, 1));
    }

    private Node ParseNumber()
    {
        var t = Next();
        var n = MakeNumber(t.Text);
        if (!_sympyStyle && t.Text.Contains('.') && Peek.Kind == TokenKind.Command && Peek.Text is "overline" or "dot" or "bar")
        {
            return RepeatingDecimal(t.Text);
        }

        if (n.Decimals != 0 || t.Text.Contains('e') || t.Text.Contains('E'))
        {
            return n;
        }

        // Mixed numbers: 7\frac{3}{4} and "7 3/4".
        if (Peek.Kind == TokenKind.Command && Peek.Text is "frac" or "dfrac" or "tfrac")
        {
            var save = _pos;
            Next();
            var a = ReadArgument();
            var b = ReadArgument();
            if (a is NumberNode { Decimals: 0 } an && b is NumberNode { Decimals: 0 } bn && an.Value < bn.Value && !bn.Value.IsZero)
            {
                return new AddNode([n, new DivNode(an, bn)]);
            }

            _pos = save;
        }
        else if (Peek.Kind == TokenKind.Number && Peek.SpaceBefore && PeekAt(1).IsOp("/") && PeekAt(2).Kind == TokenKind.Number)
        {
            var an = MakeNumber(PeekAt(0).Text);
            var bn = MakeNumber(PeekAt(2).Text);
            if (an.Decimals == 0 && bn.Decimals == 0 && an.Value < bn.Value && !bn.Value.IsZero)
            {
                Next();
                Next();
                Next();
                return new AddNode([n, new DivNode(an, bn)]);
            }
        }

        return n;
    }

    /// <summary>
    /// <c>0.1\overline{6}</c> (also <c>\dot</c>, <c>\bar</c>): the digits under the bar repeat forever, so the value is
    /// exact (1/6) and compares as a fraction, not as a rounded decimal.
    /// </summary>
    private Node RepeatingDecimal(string head)
    {
        Next();
        var block = ReadArgument();
        if (block is not NumberNode { Decimals: 0 } || !PreviousTokenDigits(out var digits))
        {
            throw new ParseException("a repeating block must be digits");
        }

        var dot = head.IndexOf('.');
        var whole = head[..dot].Length == 0 ? "0" : head[..dot];
        var fixedPart = head[(dot + 1)..];
        // x = whole.fixed + 0.000(block)(block)… = (whole.fixed) + block / (10^|fixed| · (10^|block| - 1)).
        var fixedValue = new Rational(BigInteger.Parse(whole + fixedPart, System.Globalization.CultureInfo.InvariantCulture), BigInteger.Pow(10, fixedPart.Length));
        var repeat = new Rational(BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture), BigInteger.Pow(10, fixedPart.Length) * (BigInteger.Pow(10, digits.Length) - 1));
        return new NumberNode(fixedValue + repeat, 0, whole.TrimStart('0').Length + fixedPart.Length + digits.Length);
    }

    /// <summary>The digits of the number token just read (leading zeros kept, which a repeating block needs).</summary>
    private bool PreviousTokenDigits(out string digits)
    {
        // ReadArgument consumed "{", the number and "}", or a single digit split off a longer number.
        for (var k = _pos - 1; k >= 0; k--)
        {
            if (_tokens[k].Kind == TokenKind.Number)
            {
                digits = _tokens[k].Text;
                return digits.All(char.IsAsciiDigit);
            }

            if (!_tokens[k].IsOp("}") && !_tokens[k].IsOp("{"))
            {
                break;
            }
        }

        digits = string.Empty;
        return false;
    }

    private Node ParseLetter()
    {
        var t = Next();
        return t.Text switch
        {
            "e" when !Peek.IsOp("_") && !_sympyStyle => new ConstNode(MathConstant.E),
            "i" when !Peek.IsOp("_") && !_sympyStyle => new ConstNode(MathConstant.I),
            "π" => new ConstNode(MathConstant.Pi),
            _ => new SymbolNode(t.Text),
        };
    }

    private Node ParseWord()
    {
        var t = Next();
        switch (t.Text)
        {
            case "pi":
                return new ConstNode(MathConstant.Pi);
            case "infty" or "infinity" or "inf":
                return new ConstNode(MathConstant.Infinity);
            case "sqrt":
                return new FuncNode("sqrt", [ParseFunctionArgument()]);
        }

        if (Functions.Contains(t.Text))
        {
            return ParseFunction(t.Text);
        }

        if (t.Text is "and" or "or" or "percent" or "pct" or "percentage")
        {
            throw new ParseException($"unexpected '{t.Text}'");
        }

        return new TextNode(t.Text);
    }

    private Node ParseOpPrimary()
    {
        var t = Next();
        switch (t.Text)
        {
            case "(" or "[":
                {
                    var inner = ParseSequence(x => x.IsOp(")") || x.IsOp("]"), out var items);
                    var close = Next();
                    if (!(close.IsOp(")") || close.IsOp("]")))
                    {
                        throw new ParseException("unclosed bracket");
                    }

                    if (items.Count == 1 && (t.Text == "(" ? close.Text == ")" : close.Text == "]"))
                    {
                        return inner;
                    }

                    return new TupleNode(items.ToArray(), t.Text[0], close.Text[0]);
                }

            case "{":
                {
                    if (Peek.IsOp("}"))
                    {
                        Next();
                        return new SetNode([]);
                    }

                    var inner = ParseSequence(x => x.IsOp("}"), out var items);
                    Expect("}");
                    return items.Count == 1 ? inner : new SetNode(items.ToArray());
                }

            case "\\{":
                {
                    if (Peek.IsOp("\\}"))
                    {
                        Next();
                        return new SetNode([]);
                    }

                    ParseSequence(x => x.IsOp("\\}"), out var items);
                    Expect("\\}");
                    return new SetNode(items.ToArray());
                }

            case "|":
                {
                    _absDepth++;
                    var inner = ParseSequence(x => x.IsOp("|"), out _);
                    _absDepth--;
                    Expect("|");
                    return new FuncNode("abs", [inner]);
                }

            case "∞":
                return new ConstNode(MathConstant.Infinity);
            case "π":
                return new ConstNode(MathConstant.Pi);
            case "√":
                return new FuncNode("sqrt", [ParsePower()]);
            default:
                throw new ParseException($"unexpected '{t.Text}'");
        }
    }

    private Node ParseText()
    {
        var t = Next();
        var content = t.Text.Trim();
        if (content.Length >= 3 && content[0] == '(' && content[^1] == ')' && content.Length == 3)
        {
            content = content[1..2];
        }

        if (Rational.TryParseDecimal(content, out _))
        {
            return MakeNumber(content.TrimStart('+'));
        }

        if (content.Length == 1 && char.IsLetter(content[0]))
        {
            return content == "e" ? new ConstNode(MathConstant.E) : new SymbolNode(content);
        }

        // Nested LaTeX inside \mathbf{…}/\mathrm{…} such as \mathrm{\pi}: parse it as math.
        if (content.Contains('\\') || content.Any(c => "+-*/^=()".Contains(c)))
        {
            var inner = TryParse(content, _budget);
            if (inner is not null)
            {
                return inner;
            }
        }

        return new TextNode(content);
    }

    private Node ParseEnvironment()
    {
        var env = Next().Text;
        if (!MatrixEnvs.Contains(env))
        {
            throw new ParseException($"unsupported environment '{env}'");
        }

        var rows = new List<Node[]>();
        var cells = new List<Node>();
        while (true)
        {
            SkipNoise();
            var t = Peek;
            if (t.Kind == TokenKind.End)
            {
                Next();
                break;
            }

            if (t.Kind == TokenKind.Eof)
            {
                throw new ParseException("unclosed environment");
            }

            if (t.Kind == TokenKind.RowSep)
            {
                Next();
                rows.Add(cells.ToArray());
                cells.Clear();
                continue;
            }

            if (t.IsOp("&"))
            {
                Next();
                continue;
            }

            cells.Add(ParseRelation());
        }

        if (cells.Count > 0)
        {
            rows.Add(cells.ToArray());
        }

        rows.RemoveAll(r => r.Length == 0);
        if (rows.Count == 0)
        {
            throw new ParseException("empty matrix");
        }

        return new MatrixNode(rows.ToArray());
    }

    /// <summary>Argument of \frac/\sqrt/\binom: a brace group or a single character/token (<c>\frac12</c>).</summary>
    private Node ReadArgument()
    {
        SkipNoise();
        var t = Peek;
        if (t.IsOp("{"))
        {
            Next();
            var inner = ParseSequence(x => x.IsOp("}"), out _);
            Expect("}");
            return inner;
        }

        if (t.Kind == TokenKind.Number && t.Text.Length > 1 && char.IsAsciiDigit(t.Text[0]))
        {
            // \frac12: the argument is one digit; the rest stays in the stream.
            _tokens[_pos] = t with { Text = t.Text[1..], SpaceBefore = false };
            return MakeNumber(t.Text[..1]);
        }

        if (t.Kind == TokenKind.Word)
        {
            // \frac ab: one letter.
            _tokens[_pos] = t with { Text = t.Text[1..] };
            if (_tokens[_pos].Text.Length < 4 && !Tokenizer.KnownWords.Contains(_tokens[_pos].Text))
            {
                var rest = _tokens[_pos].Text;
                _tokens.RemoveAt(_pos);
                _tokens.InsertRange(_pos, rest.Select(c => new Token(TokenKind.Letter, c.ToString(), false)));
            }

            return new SymbolNode(t.Text[..1]);
        }

        if (t.Kind is TokenKind.Number or TokenKind.Letter or TokenKind.Command or TokenKind.Text)
        {
            return ParsePrimary();
        }

        if (t.IsOp("(") || t.IsOp("|") || t.IsOp("\\{") || t.IsOp("["))
        {
            return ParsePrimary();
        }

        throw new ParseException("missing argument");
    }

    private Node ParseCommand()
    {
        var t = Next();
        var name = t.Text;
        if (SympySymbol(t))
        {
            return name == "infty" ? new ConstNode(MathConstant.Infinity) : new SymbolNode(name);
        }

        switch (name)
        {
            case "frac" or "dfrac" or "tfrac" or "cfrac" or "nicefrac":
                {
                    var a = ReadArgument();
                    var b = ReadArgument();
                    return new DivNode(a, b);
                }

            case "binom" or "dbinom" or "tbinom" or "choose":
                {
                    var a = ReadArgument();
                    var b = ReadArgument();
                    return new FuncNode("binom", [a, b]);
                }

            case "sqrt":
                {
                    Node? index = null;
                    if (Peek.IsOp("["))
                    {
                        Next();
                        index = ParseSequence(x => x.IsOp("]"), out _);
                        Expect("]");
                    }

                    var x = Peek.IsOp("(") ? ParsePrimary() : ReadArgument();
                    return index is null ? new FuncNode("sqrt", [x]) : new FuncNode("root", [x, index]);
                }

            case "pi" or "Pi" or "varpi":
                return new ConstNode(MathConstant.Pi);
            case "infty" or "infin" or "infinity":
                return new ConstNode(MathConstant.Infinity);
            case "emptyset" or "varnothing" or "empty":
                return new SetNode([]);
            case "ldots" or "cdots" or "dots" or "dotsc" or "dotsb" or "dotso" or "vdots":
                return new SymbolNode("...");
            case "boxed" or "fbox" or "overline" or "vec" or "hat" or "bar" or "widehat" or "underline" or "tilde"
                or "overrightarrow" or "mathcal" or "boldsymbol" or "pmb" or "widetilde" or "dot" or "ddot" or "displaystyle":
                {
                    var inner = ReadArgument();
                    return name is "boxed" or "fbox" or "displaystyle" ? inner : inner is SymbolNode s ? new SymbolNode(name + "{" + s.Name + "}") : inner;
                }

            case "mathbb":
                {
                    var inner = ReadArgument();
                    return inner is SymbolNode { Name: "R" }
                        ? new TupleNode([new NegNode(new ConstNode(MathConstant.Infinity)), new ConstNode(MathConstant.Infinity)], '(', ')')
                        : new SymbolNode("mathbb" + inner);
                }

            case "lfloor" or "lceil":
                {
                    var closer = name == "lfloor" ? "rfloor" : "rceil";
                    var inner = ParseSequence(x => x.Is(TokenKind.Command, closer), out _);
                    if (!Peek.Is(TokenKind.Command, closer))
                    {
                        throw new ParseException($"missing \\{closer}");
                    }

                    Next();
                    return new FuncNode(name == "lfloor" ? "floor" : "ceil", [inner]);
                }

            case "langle":
                {
                    ParseSequence(x => x.Is(TokenKind.Command, "rangle"), out var items);
                    if (!Peek.Is(TokenKind.Command, "rangle"))
                    {
                        throw new ParseException("missing \\rangle");
                    }

                    Next();
                    return new TupleNode(items.ToArray(), '(', ')');
                }

            case "exp":
                return ParseFunction("exp");
            case "operatorname":
                throw new ParseException("operatorname");
            case "sum" or "prod":
                return ParseBigOperator(name);
            case "int" or "lim" or "iint" or "oint" or "cases" or "substack" or "frac{}" or "mod" or "pmod" or "bmod":
                throw new ParseException($"unsupported command '\\{name}'");
        }

        if (Functions.Contains(name) || name is "arcsec" or "arccsc" or "arccot" or "coth" or "sech" or "csch")
        {
            return ParseFunction(name);
        }

        // Greek letters and other named symbols.
        return new SymbolNode("\\" + name);
    }

    /// <summary>
    /// <c>\sum_{k=a}^{b} body</c> / <c>\prod</c>: kept as an opaque function of its bounds and body; the evaluator
    /// gives opaque functions deterministic pseudo-random values, so equal arguments give equal values.
    /// </summary>
    private Node ParseBigOperator(string name)
    {
        Node lower = new SymbolNode("_");
        Node upper = new SymbolNode("_");
        for (var k = 0; k < 2; k++)
        {
            if (Peek.IsOp("_"))
            {
                Next();
                lower = ReadArgument();
            }
            else if (Peek.IsOp("^"))
            {
                Next();
                upper = ReadArgument();
            }
        }

        var factors = new List<Node> { ParsePower() };
        while (StartsPrimary(Peek) && !IsFunctionToken(Peek))
        {
            factors.Add(ParsePower());
        }

        var body = factors.Count == 1 ? factors[0] : new MulNode(factors.ToArray());
        if (lower is RelationNode { Ops: ["="] } r)
        {
            return new FuncNode("opaque:" + name, [r.Operands[0], r.Operands[1], upper, body]);
        }

        return new FuncNode("opaque:" + name, [lower, upper, body]);
    }

    /// <summary>Function application: optional ^power and _base, then (args), {arg} or an implicit product.</summary>
    private Node ParseFunction(string name)
    {
        Node? power = null;
        Node? logBase = null;
        if (Peek.IsOp("_") && name is "log")
        {
            Next();
            logBase = ReadArgument();
        }

        if (Peek.IsOp("^"))
        {
            Next();
            power = ParseExponent();
        }

        var arg = ParseFunctionArgument();
        Node f;
        if (power is NegNode { X: NumberNode { Decimals: 0 } pn } && pn.Value == Rational.One && name is "sin" or "cos" or "tan")
        {
            f = new FuncNode("arc" + name, [arg]);
            power = null;
        }
        else
        {
            f = logBase is null ? new FuncNode(name, [arg]) : new FuncNode("logb", [arg, logBase]);
        }

        return power is null ? f : new PowNode(f, power);
    }

    private Node ParseFunctionArgument()
    {
        SkipNoise();
        if (Peek.IsOp("("))
        {
            return ParsePostfix(ParsePrimary());
        }

        if (Peek.IsOp("{"))
        {
            Next();
            var inner = ParseSequence(x => x.IsOp("}"), out _);
            Expect("}");
            return inner;
        }

        // Implicit argument: \sin 2x, \cos a — factors up to the next operator or function.
        var factors = new List<Node> { ParsePower() };
        while (StartsPrimary(Peek) && !IsFunctionToken(Peek) && !Peek.IsOp("(") && !Peek.IsOp("|"))
        {
            factors.Add(ParsePower());
        }

        return factors.Count == 1 ? factors[0] : new MulNode(factors.ToArray());
    }

    private static bool IsFunctionToken(Token t) =>
        (t.Kind is TokenKind.Command or TokenKind.Word && (Functions.Contains(t.Text) || t.Text is "sqrt" or "frac" or "dfrac"))
        || t.Kind == TokenKind.Text;
}
