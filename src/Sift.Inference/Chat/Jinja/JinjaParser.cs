using System.Globalization;

namespace Sift.Inference.Chat.Jinja;

/// <summary>
/// Parses the Jinja subset that Hugging Face chat templates use: for (with loop, else, filter, tuple targets),
/// if/elif/else, set (plain, tuple, namespace attribute, block), macro, break/continue, generation blocks; the
/// full expression grammar (ternary, or/and/not, comparisons, in, is-tests, ~ + - * / // % **, filters, calls
/// with keyword arguments, attributes, subscripts and slices, list/dict literals).
/// </summary>
internal sealed class JinjaParser
{
    private readonly List<Segment> _segs;
    private int _pos;

    private JinjaParser(List<Segment> segs) => _segs = segs;

    public static List<Node> Parse(string template)
    {
        var p = new JinjaParser(JinjaLexer.Split(template));
        var body = p.Block(out string? end);
        if (end is not null)
        {
            throw new JinjaException($"unexpected '{{% {end} %}}'");
        }
        return body;
    }

    // Parses nodes until a statement whose first word is in the caller's stop list; returns that statement's text.
    private List<Node> Block(out string? stoppedAt, params string[] stops)
    {
        var nodes = new List<Node>();
        stoppedAt = null;
        while (_pos < _segs.Count)
        {
            var seg = _segs[_pos++];
            switch (seg.Kind)
            {
                case SegmentKind.Text:
                    nodes.Add(new TextNode(seg.Body));
                    break;
                case SegmentKind.Output:
                    {
                        var ts = new TokenStream(JinjaLexer.Tokens(seg.Body, seg.Offset));
                        nodes.Add(new OutputNode(ts.Expression()));
                        ts.ExpectEnd();
                        break;
                    }
                default:
                    {
                        var ts = new TokenStream(JinjaLexer.Tokens(seg.Body, seg.Offset));
                        string word = ts.Peek.Kind == TokKind.Name ? ts.Peek.Text : "";
                        if (Array.IndexOf(stops, word) >= 0)
                        {
                            stoppedAt = seg.Body;
                            return nodes;
                        }
                        nodes.Add(Statement(ts, seg));
                        break;
                    }
            }
        }
        if (stops.Length > 0)
        {
            throw new JinjaException($"missing '{{% {stops[^1]} %}}' at the end of the template");
        }
        return nodes;
    }

    private Node Statement(TokenStream ts, Segment seg)
    {
        var kw = ts.Next();
        switch (kw.Text)
        {
            case "for":
                {
                    var targets = new List<string> { ts.Name() };
                    while (ts.Accept(","))
                    {
                        targets.Add(ts.Name());
                    }
                    ts.Expect("in");
                    var iter = ts.Expression(noCondition: true);
                    Expr? filter = ts.Accept("if") ? ts.Expression() : null;
                    ts.ExpectEnd();
                    var body = Block(out string? end, "else", "endfor");
                    var elseBody = new List<Node>();
                    if (end!.StartsWith("else", StringComparison.Ordinal))
                    {
                        elseBody = Block(out _, "endfor");
                    }
                    return new ForNode(targets, iter, filter, body, elseBody);
                }
            case "if":
                {
                    var branches = new List<KeyValuePair<Expr, List<Node>>>();
                    var cond = ts.Expression();
                    ts.ExpectEnd();
                    while (true)
                    {
                        var body = Block(out string? end, "elif", "else", "endif");
                        branches.Add(new(cond, body));
                        if (end!.StartsWith("elif", StringComparison.Ordinal))
                        {
                            var ets = new TokenStream(JinjaLexer.Tokens(end, seg.Offset));
                            ets.Next();
                            cond = ets.Expression();
                            ets.ExpectEnd();
                            continue;
                        }
                        if (end.StartsWith("else", StringComparison.Ordinal))
                        {
                            return new IfNode(branches, Block(out _, "endif"));
                        }
                        return new IfNode(branches, []);
                    }
                }
            case "set":
                {
                    var targets = new List<string> { ts.Name() };
                    string? attr = null;
                    if (ts.Accept("."))
                    {
                        attr = ts.Name();
                    }
                    while (ts.Accept(","))
                    {
                        targets.Add(ts.Name());
                    }
                    if (ts.Accept("="))
                    {
                        var value = ts.Expression();
                        ts.ExpectEnd();
                        return new SetNode(targets, attr, value, null);
                    }
                    ts.ExpectEnd();
                    return new SetNode(targets, attr, null, Block(out _, "endset"));
                }
            case "macro":
                {
                    string name = ts.Name();
                    ts.Expect("(");
                    var ps = new List<KeyValuePair<string, Expr?>>();
                    if (!ts.Accept(")"))
                    {
                        do
                        {
                            string pn = ts.Name();
                            ps.Add(new(pn, ts.Accept("=") ? ts.Expression() : null));
                        }
                        while (ts.Accept(","));
                        ts.Expect(")");
                    }
                    ts.ExpectEnd();
                    return new MacroNode(name, ps, Block(out _, "endmacro"));
                }
            case "generation":
                {
                    ts.ExpectEnd();
                    // HF's AssistantTracker marks assistant text for masks; for rendering it is a plain block.
                    return new IfNode([new(new Literal(true), Block(out _, "endgeneration"))], []);
                }
            case "break":
                ts.ExpectEnd();
                return new BreakNode();
            case "continue":
                ts.ExpectEnd();
                return new ContinueNode();
            default:
                throw new JinjaException($"unsupported statement '{{% {seg.Body} %}}' at offset {seg.Offset}");
        }
    }

    /// <summary>Recursive-descent expression parser over one tag's tokens.</summary>
    private sealed class TokenStream(List<Tok> toks)
    {
        private int _i;

        public Tok Peek => toks[_i];

        public Tok Next() => toks[_i++];

        public bool Accept(string op)
        {
            if (Peek.Is(op) && Peek.Kind != TokKind.String)
            {
                _i++;
                return true;
            }
            return false;
        }

        public void Expect(string op)
        {
            if (!Accept(op))
            {
                throw new JinjaException($"expected '{op}' at offset {Peek.Offset}, found '{Peek.Text}'");
            }
        }

        public void ExpectEnd()
        {
            if (Peek.Kind != TokKind.End)
            {
                throw new JinjaException($"unexpected '{Peek.Text}' at offset {Peek.Offset}");
            }
        }

        public string Name()
        {
            var t = Next();
            return t.Kind == TokKind.Name ? t.Text : throw new JinjaException($"expected a name at offset {t.Offset}, found '{t.Text}'");
        }

        public Expr Expression(bool noCondition = false)
        {
            var e = Or();
            if (!noCondition && Accept("if"))
            {
                var test = Or();
                Expr? otherwise = Accept("else") ? Expression() : null;
                return new CondExpr(test, e, otherwise);
            }
            return e;
        }

        private Expr Or()
        {
            var e = And();
            while (Accept("or"))
            {
                e = new BinaryExpr("or", e, And());
            }
            return e;
        }

        private Expr And()
        {
            var e = Not();
            while (Accept("and"))
            {
                e = new BinaryExpr("and", e, Not());
            }
            return e;
        }

        private Expr Not() => Accept("not") ? new UnaryExpr("not", Not()) : Compare();

        private Expr Compare()
        {
            var e = Concat();
            while (true)
            {
                if (Peek.Kind == TokKind.Op && Peek.Text is "==" or "!=" or "<" or ">" or "<=" or ">=")
                {
                    string op = Next().Text;
                    e = new BinaryExpr(op, e, Concat());
                }
                else if (Accept("in"))
                {
                    e = new BinaryExpr("in", e, Concat());
                }
                else if (Peek.Is("not") && toks[_i + 1].Is("in"))
                {
                    _i += 2;
                    e = new UnaryExpr("not", new BinaryExpr("in", e, Concat()));
                }
                else if (Accept("is"))
                {
                    bool negate = Accept("not");
                    string test = Name();
                    var args = new List<Expr>();
                    if (Accept("("))
                    {
                        args = Args(out _);
                    }
                    else if (Peek.Kind is TokKind.String or TokKind.Integer or TokKind.Float)
                    {
                        args.Add(Primary());
                    }
                    e = new TestExpr(e, test, args, negate);
                }
                else
                {
                    return e;
                }
            }
        }

        private Expr Concat()
        {
            var e = Additive();
            while (Accept("~"))
            {
                e = new BinaryExpr("~", e, Additive());
            }
            return e;
        }

        private Expr Additive()
        {
            var e = Multiplicative();
            while (Peek.Kind == TokKind.Op && Peek.Text is "+" or "-")
            {
                string op = Next().Text;
                e = new BinaryExpr(op, e, Multiplicative());
            }
            return e;
        }

        private Expr Multiplicative()
        {
            var e = Unary();
            while (Peek.Kind == TokKind.Op && Peek.Text is "*" or "/" or "//" or "%")
            {
                string op = Next().Text;
                e = new BinaryExpr(op, e, Unary());
            }
            return e;
        }

        private Expr Unary()
        {
            if (Peek.Kind == TokKind.Op && Peek.Text is "-" or "+")
            {
                string op = Next().Text;
                return new UnaryExpr(op, Unary());
            }
            return Power();
        }

        private Expr Power()
        {
            var e = Postfix();
            if (Accept("**"))
            {
                e = new BinaryExpr("**", e, Unary());
            }
            return e;
        }

        private Expr Postfix()
        {
            var e = Primary();
            while (true)
            {
                if (Accept("."))
                {
                    var t = Next();
                    e = t.Kind is TokKind.Name or TokKind.Integer ? new GetAttr(e, t.Text) : throw new JinjaException($"expected an attribute name at offset {t.Offset}");
                }
                else if (Accept("["))
                {
                    Expr? start = null, stop = null, step = null;
                    bool slice = false;
                    if (!Peek.Is(":"))
                    {
                        start = Expression();
                    }
                    if (Accept(":"))
                    {
                        slice = true;
                        if (!Peek.Is("]") && !Peek.Is(":"))
                        {
                            stop = Expression();
                        }
                        if (Accept(":") && !Peek.Is("]"))
                        {
                            step = Expression();
                        }
                    }
                    Expect("]");
                    e = slice ? new SliceExpr(e, start, stop, step) : new GetItem(e, start ?? throw new JinjaException("empty subscript"));
                }
                else if (Accept("("))
                {
                    var args = Args(out var kwargs);
                    e = new CallExpr(e, args, kwargs);
                }
                else if (Accept("|"))
                {
                    string name = Name();
                    var args = new List<Expr>();
                    var kwargs = new List<KeyValuePair<string, Expr>>();
                    if (Accept("("))
                    {
                        args = Args(out kwargs);
                    }
                    e = new FilterExpr(e, name, args, kwargs);
                }
                else
                {
                    return e;
                }
            }
        }

        // After "(": positional and keyword arguments up to ")".
        private List<Expr> Args(out List<KeyValuePair<string, Expr>> kwargs)
        {
            var args = new List<Expr>();
            kwargs = [];
            if (Accept(")"))
            {
                return args;
            }
            do
            {
                if (Peek.Kind == TokKind.Name && toks[_i + 1].Is("=") && toks[_i + 1].Kind == TokKind.Op)
                {
                    string n = Next().Text;
                    Next();
                    kwargs.Add(new(n, Expression()));
                }
                else
                {
                    args.Add(Expression());
                }
            }
            while (Accept(","));
            Expect(")");
            return args;
        }

        private Expr Primary()
        {
            var t = Next();
            switch (t.Kind)
            {
                case TokKind.String:
                    {
                        // Adjacent string literals concatenate, as in Python.
                        string s = t.Text;
                        while (Peek.Kind == TokKind.String)
                        {
                            s += Next().Text;
                        }
                        return new Literal(s);
                    }
                case TokKind.Integer:
                    return new Literal(long.Parse(t.Text, CultureInfo.InvariantCulture));
                case TokKind.Float:
                    return new Literal(double.Parse(t.Text, CultureInfo.InvariantCulture));
                case TokKind.Name:
                    return t.Text switch
                    {
                        "true" or "True" => new Literal(true),
                        "false" or "False" => new Literal(false),
                        "none" or "None" => new Literal(null),
                        _ => new NameRef(t.Text),
                    };
                case TokKind.Op when t.Text == "(":
                    {
                        var e = Expression();
                        if (Accept(","))
                        {
                            var items = new List<Expr> { e };
                            while (!Peek.Is(")"))
                            {
                                items.Add(Expression());
                                if (!Accept(","))
                                {
                                    break;
                                }
                            }
                            Expect(")");
                            return new ListExpr(items);
                        }
                        Expect(")");
                        return e;
                    }
                case TokKind.Op when t.Text == "[":
                    {
                        var items = new List<Expr>();
                        while (!Accept("]"))
                        {
                            items.Add(Expression());
                            if (!Accept(","))
                            {
                                Expect("]");
                                break;
                            }
                        }
                        return new ListExpr(items);
                    }
                case TokKind.Op when t.Text == "{":
                    {
                        var items = new List<KeyValuePair<Expr, Expr>>();
                        while (!Accept("}"))
                        {
                            var k = Expression();
                            Expect(":");
                            items.Add(new(k, Expression()));
                            if (!Accept(","))
                            {
                                Expect("}");
                                break;
                            }
                        }
                        return new DictExpr(items);
                    }
                default:
                    throw new JinjaException($"unexpected '{t.Text}' at offset {t.Offset}");
            }
        }
    }
}
