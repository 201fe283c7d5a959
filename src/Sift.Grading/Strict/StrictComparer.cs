using System.Numerics;
using Sift.Grading.Evaluation;
using Sift.Grading.Numerics;
using Sift.Grading.Parsing;

namespace Sift.Grading.Strict;

/// <summary>
/// Structural equivalence of two parsed answers (gold first: the comparison is deliberately asymmetric where
/// noted, e.g. a gold inequality accepts a predicted interval but not the reverse unless allowed).
/// </summary>
internal sealed class StrictComparer
{
    private readonly GradeOptions _options;
    private readonly Budget _budget;
    private readonly List<string> _trace;

    public StrictComparer(GradeOptions options, Budget budget, List<string> trace)
    {
        _options = options;
        _budget = budget;
        _trace = trace;
    }

    /// <summary>The rule of the last decisive comparison.</summary>
    public string Rule { get; private set; } = "none";

    public bool Equal(Node gold, Node pred) => Compare(Prepare(gold, true), Prepare(pred, false), 0);

    /// <summary>Resolves chains, <c>\approx</c>, <c>x \in S</c>, ± into the value to compare.</summary>
    private static Node Prepare(Node n, bool isGold)
    {
        if (n is RelationNode r)
        {
            n = ResolveRelation(r, isGold);
        }

        if (MatrixAlgebra.TryReduce(n) is { } reduced)
        {
            n = reduced;
        }

        // {1,3} ∪ {2,4} is the finite set {1,2,3,4}.
        if (n is UnionNode u && u.Parts.All(x => x is SetNode))
        {
            n = new SetNode(u.Parts.SelectMany(x => ((SetNode)x).Items).ToArray());
        }

        if (ContainsPlusMinus(n, 0) && Evaluator.IsScalarOrPm(n))
        {
            var plus = ExpandPm(n, 1);
            var minus = ExpandPm(n, -1);
            return new ListNode([plus, minus]);
        }

        if (n is ListNode l)
        {
            var items = new List<Node>();
            foreach (var item in l.Items)
            {
                var p = Prepare(item, isGold);
                if (p is ListNode inner && item is not ListNode)
                {
                    items.AddRange(inner.Items);
                }
                else
                {
                    items.Add(p);
                }
            }

            return GroupAssignments(items) ?? new ListNode(items.ToArray());
        }

        return n;
    }

    /// <summary>"p=5, q=2; p=7, q=2" → (5,2), (7,2): assignments whose names repeat with a period become tuples.</summary>
    private static Node? GroupAssignments(List<Node> items)
    {
        if (items.Count < 4 || !items.All(i => i is RelationNode { Ops: ["="] } r && r.Operands[0] is SymbolNode))
        {
            return null;
        }

        var names = items.Select(i => ((SymbolNode)((RelationNode)i).Operands[0]).Name).ToList();
        var period = names.Skip(1).ToList().IndexOf(names[0]) + 1;
        if (period < 2 || items.Count % period != 0 || names.Take(period).Distinct().Count() != period
            || Enumerable.Range(0, names.Count).Any(k => names[k] != names[k % period]))
        {
            return null;
        }

        var tuples = new List<Node>();
        for (var k = 0; k < items.Count; k += period)
        {
            tuples.Add(new TupleNode(items.Skip(k).Take(period).Select(i => ((RelationNode)i).Operands[1]).ToArray(), '(', ')'));
        }

        return new ListNode(tuples.ToArray());
    }

    private static Node ResolveRelation(RelationNode r, bool isGold)
    {
        var operands = r.Operands.ToList();
        var ops = r.Ops.ToList();

        // "a = b ≈ c": keep the exact part; "x ≈ c": the approximation is the answer.
        var approx = ops.IndexOf("approx");
        if (approx >= 0)
        {
            if (approx == 0)
            {
                return IsSymbolLike(operands[0]) || operands.Count == 2 ? operands[^1] : r;
            }

            operands = operands.Take(approx + 1).ToList();
            ops = ops.Take(approx).ToList();
        }

        if (ops.Count == 1 && ops[0] == "in" && IsSymbolLike(operands[0]))
        {
            return operands[1];
        }

        // A prediction "1/2 = 10/9"-style working line: the value is the last side.
        if (!isGold && ops.Count == 1 && ops[0] == "=" && Evaluator.IsScalar(operands[0]) && Evaluator.FreeSymbols(operands[0]).Count == 0)
        {
            return operands[1];
        }

        if (ops.Count >= 2 && ops.All(o => o == "="))
        {
            var first = operands[0];
            var last = operands[^1];
            if (IsSymbolLike(first))
            {
                return new RelationNode([first, last], ["="]);
            }

            if (!isGold || Evaluator.FreeSymbols(first).Count == 0)
            {
                return last;
            }

            return new RelationNode([first, last], ["="]);
        }

        return new RelationNode(operands.ToArray(), ops.ToArray());
    }

    /// <summary>A left-hand side naming the answer: symbols, products/ratios of symbols, f(x), |AB|, (p,q).</summary>
    internal static bool IsSymbolLike(Node n) => n switch
    {
        SymbolNode => true,
        ConstNode { Kind: MathConstant.E or MathConstant.I } => true,
        MulNode m => m.Factors.All(IsSymbolLike),
        DivNode d => IsSymbolLike(d.N) && IsSymbolLike(d.D),
        RatioNode r => r.Parts.All(IsSymbolLike),
        FuncNode { Name: "abs" } f => IsSymbolLike(f.Args[0]),
        TupleNode t => t.Items.All(IsSymbolLike),
        PowNode p => IsSymbolLike(p.B) && p.E is NumberNode,
        _ => false,
    };

    private static bool ContainsPlusMinus(Node n, int depth) => depth < 100 && n switch
    {
        PlusMinusNode => true,
        NegNode x => ContainsPlusMinus(x.X, depth + 1),
        AddNode a => a.Terms.Any(t => ContainsPlusMinus(t, depth + 1)),
        MulNode m => m.Factors.Any(t => ContainsPlusMinus(t, depth + 1)),
        DivNode d => ContainsPlusMinus(d.N, depth + 1) || ContainsPlusMinus(d.D, depth + 1),
        PowNode p => ContainsPlusMinus(p.B, depth + 1) || ContainsPlusMinus(p.E, depth + 1),
        FuncNode f => f.Args.Any(t => ContainsPlusMinus(t, depth + 1)),
        _ => false,
    };

    private static Node ExpandPm(Node n, int sign) => n switch
    {
        PlusMinusNode pm => pm.A is null
            ? (sign > 0 ? ExpandPm(pm.B, sign) : new NegNode(ExpandPm(pm.B, sign)))
            : new AddNode([ExpandPm(pm.A, sign), sign > 0 ? ExpandPm(pm.B, sign) : new NegNode(ExpandPm(pm.B, sign))]),
        NegNode x => new NegNode(ExpandPm(x.X, sign)),
        AddNode a => new AddNode(a.Terms.Select(t => ExpandPm(t, sign)).ToArray()),
        MulNode m => new MulNode(m.Factors.Select(t => ExpandPm(t, sign)).ToArray()),
        DivNode d => new DivNode(ExpandPm(d.N, sign), ExpandPm(d.D, sign)),
        PowNode p => new PowNode(ExpandPm(p.B, sign), ExpandPm(p.E, sign)),
        FuncNode f => new FuncNode(f.Name, f.Args.Select(t => ExpandPm(t, sign)).ToArray()),
        _ => n,
    };

    private bool Decide(bool result, string rule)
    {
        Rule = rule;
        return result;
    }

    private bool Compare(Node g, Node p, int depth)
    {
        _budget.Check();
        if (depth > 40)
        {
            return Decide(false, "too-deep");
        }

        // Assignments: x = 5 against 5 (either side), when the left side names the answer.
        if (g is RelationNode { Ops: ["="] } gr && p is not RelationNode && IsSymbolLike(gr.Operands[0]))
        {
            return Compare(Prepare(gr.Operands[1], true), p, depth + 1);
        }

        if (p is RelationNode { Ops: ["="] } pr && g is not RelationNode && IsSymbolLike(pr.Operands[0]))
        {
            return Compare(g, Prepare(pr.Operands[1], false), depth + 1);
        }

        // Sets of reals in any notation: intervals, unions, ℝ ∖ {a}, inequalities, "x < 3 or x > 5". A predicted
        // inequality for a gold interval counts unless AllowSetRelationComparison is off (Math-Verify's default).
        if ((RealSet.LooksLikeSet(g) || RealSet.LooksLikeSet(p)) && (_options.AllowSetRelationComparison || !IsRelationForm(p) || IsRelationForm(g))
            && RealSet.From(g, _budget) is { } gs && RealSet.From(p, _budget) is { } ps)
        {
            _trace.Add("compared as sets of real numbers");
            return Decide(gs.SameAs(ps), "real-set");
        }

        switch (g, p)
        {
            case (TextNode a, TextNode b):
                return Decide(string.Equals(Squash(a.Text), Squash(b.Text), StringComparison.OrdinalIgnoreCase), "text");
            case (ListNode a, ListNode b):
                return CompareUnordered(a.Items, b.Items, depth, "list");
            case (ListNode a, SetNode b):
                return CompareUnordered(a.Items, b.Items, depth, "list-set");
            case (SetNode a, ListNode b):
                return CompareUnordered(a.Items, b.Items, depth, "set-list");
            case (SetNode a, SetNode b):
                return CompareUnordered(a.Items, b.Items, depth, "set");
            case (SetNode { Items: [TupleNode only] }, TupleNode):
                // {(1,2)}: the set of one point is that point.
                return Compare(only, p, depth + 1);
            case (TupleNode, SetNode { Items: [TupleNode single] }):
                return Compare(g, single, depth + 1);
            case (TupleNode a, SetNode b) when a.Open == '(' && a.Close == ')':
                return CompareOrdered(a.Items, b.Items, depth, "tuple-set");
            case (ListNode a, TupleNode b) when a.Items.All(x => x is TupleNode) && b.Open == '(':
                return Decide(false, "list-vs-tuple");
            case (TupleNode a, TupleNode b):
                {
                    if (a.Items.Length != b.Items.Length)
                    {
                        return Decide(false, "tuple-length");
                    }

                    if (a.Open != b.Open || a.Close != b.Close)
                    {
                        return Decide(false, a.Items.Length == 2 ? "interval-brackets" : "tuple-brackets");
                    }

                    return CompareOrdered(a.Items, b.Items, depth, a.Open == '(' && a.Close == ')' ? "tuple" : "interval");
                }

            case (UnionNode a, UnionNode b):
                return CompareUnordered(a.Parts, b.Parts, depth, "union");
            case (UnionNode a, ListNode b):
                return CompareUnordered(a.Parts, b.Items, depth, "union");
            case (RatioNode a, RatioNode b):
                return CompareOrdered(a.Parts, b.Parts, depth, "ratio");
            case (MatrixNode a, MatrixNode b):
                {
                    if (a.Rows.Length != b.Rows.Length || a.Rows.Zip(b.Rows).Any(z => z.First.Length != z.Second.Length))
                    {
                        return Decide(false, "matrix-shape");
                    }

                    for (var i = 0; i < a.Rows.Length; i++)
                    {
                        if (!CompareOrdered(a.Rows[i], b.Rows[i], depth, "matrix"))
                        {
                            return false;
                        }
                    }

                    return Decide(true, "matrix");
                }

            case (MatrixNode a, TupleNode b) when a.Rows.All(r => r.Length == 1):
                return CompareOrdered(a.Rows.Select(r => r[0]).ToArray(), b.Items, depth, "matrix-vector");
            case (TupleNode a, MatrixNode b) when b.Rows.All(r => r.Length == 1) && a.Open == '(':
                return CompareOrdered(a.Items, b.Rows.Select(r => r[0]).ToArray(), depth, "matrix-vector");
            case (RelationNode a, RelationNode b):
                return CompareRelations(a, b, depth);
            case (RelationNode a, _) when RelationToSet(a) is { } set:
                return Compare(set, p, depth + 1) && Decide(true, "inequality-interval");
            case (_, RelationNode b) when _options.AllowSetRelationComparison && RelationToSet(b) is { } set2:
                return Compare(g, set2, depth + 1) && Decide(true, "interval-inequality");
            case (ListNode a, _) when a.Items.Length == 1:
                return Compare(a.Items[0], p, depth + 1);
            case (SetNode a, _) when a.Items.Length == 1 && IsValueNode(p):
                return Compare(a.Items[0], p, depth + 1);
        }

        if (Evaluator.IsScalar(g) && Evaluator.IsScalar(p))
        {
            // Percent convention: one side may carry a % sign the other omits (28\% ≡ 28, as answers to "what
            // percent…"); the value reading (28\% ≡ 0.28) is tried after. A bare number never matches its ×100.
            if (StripPercent(g) is { } gi && StripPercent(p) is null && CompareScalar(gi, p))
            {
                _trace.Add("percent convention: the prediction omits the gold's % sign (28\\% ≡ 28)");
                return Decide(true, "percent-sign-omitted");
            }

            if (StripPercent(p) is { } pi && StripPercent(g) is null && CompareScalar(g, pi))
            {
                _trace.Add("percent convention: the prediction adds a % sign the gold omits (28 ≡ 28\\%)");
                return Decide(true, "percent-sign-added");
            }

            return CompareScalar(g, p);
        }

        return Decide(g.ToString() == p.ToString(), "structure");
    }

    private static bool IsValueNode(Node n) => Evaluator.IsScalar(n);

    private static bool IsRelationForm(Node n) => n is RelationNode || (n is ListNode l && l.Items.All(i => i is RelationNode));

    /// <summary>The number under a top-level percent (<c>28\%</c> → 28, <c>-5\%</c> → -5); null when there is none.</summary>
    private static Node? StripPercent(Node n) => n switch
    {
        PercentNode x => x.X,
        NegNode { X: PercentNode x } => new NegNode(x.X),
        _ => null,
    };

    private static string Squash(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c)));

    private bool CompareOrdered(Node[] a, Node[] b, int depth, string rule)
    {
        if (a.Length != b.Length)
        {
            return Decide(false, rule + "-length");
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (!Compare(a[i], b[i], depth + 1))
            {
                return false;
            }
        }

        return Decide(true, rule);
    }

    /// <summary>Set semantics: every gold item matches some predicted item and vice versa (duplicates collapse).</summary>
    private bool CompareUnordered(Node[] a, Node[] b, int depth, string rule)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            return Decide(a.Length == b.Length, rule);
        }

        var matchedB = new bool[b.Length];
        foreach (var x in a)
        {
            var found = false;
            for (var j = 0; j < b.Length; j++)
            {
                if ((!found || !matchedB[j]) && Compare(x, b[j], depth + 1))
                {
                    matchedB[j] = true;
                    found = true;
                }
            }

            if (!found)
            {
                return Decide(false, rule);
            }
        }

        for (var j = 0; j < b.Length; j++)
        {
            if (!matchedB[j] && !a.Any(x => Compare(x, b[j], depth + 1)))
            {
                return Decide(false, rule);
            }
        }

        return Decide(true, rule);
    }

    // ---- relations -------------------------------------------------------------------------------------------

    private static (Node[] Operands, string[] Ops) Orient(RelationNode r)
    {
        if (r.Ops.All(o => o is ">" or ">="))
        {
            return (r.Operands.Reverse().ToArray(), r.Ops.Reverse().Select(o => o == ">" ? "<" : "<=").ToArray());
        }

        return (r.Operands, r.Ops);
    }

    private bool CompareRelations(RelationNode a, RelationNode b, int depth)
    {
        var (ao, aops) = Orient(a);
        var (bo, bops) = Orient(b);
        if (aops.Length != bops.Length)
        {
            return Decide(false, "relation-shape");
        }

        if (aops.Length == 1)
        {
            var op = aops[0];
            if (op != bops[0])
            {
                return Decide(false, "relation-operator");
            }

            // Named answers (x = 3, (p,q) = (3,2)): same name, equal values.
            if (op == "=" && IsSymbolLike(ao[0]) && IsSymbolLike(bo[0]) && !(Evaluator.IsScalar(ao[1]) && Evaluator.IsScalar(bo[1]) && Evaluator.FreeSymbols(ao[1]).Count + Evaluator.FreeSymbols(bo[1]).Count > 0))
            {
                return Decide(ao[0].ToString() == bo[0].ToString(), "assignment-name") && Compare(ao[1], bo[1], depth + 1);
            }

            if (op is "=" or "!=" or "<" or "<=" && ao.All(Evaluator.IsScalar) && bo.All(Evaluator.IsScalar))
            {
                var fa = new AddNode([ao[0], new NegNode(ao[1])]);
                var fb = new AddNode([bo[0], new NegNode(bo[1])]);
                return Decide(Proportional(fa, fb, requirePositive: op is "<" or "<="), op is "=" ? "equation" : "inequality");
            }

            if (op == "in")
            {
                return Compare(ao[0], bo[0], depth + 1) && Compare(ao[1], bo[1], depth + 1);
            }

            return CompareOrdered(ao, bo, depth, "relation");
        }

        if (!aops.SequenceEqual(bops))
        {
            return Decide(false, "relation-operator");
        }

        return CompareOrdered(ao, bo, depth, "relation-chain");
    }

    /// <summary>Converts a one-variable inequality (x ≥ a, a &lt; x ≤ b) to an interval; null otherwise.</summary>
    private static Node? RelationToSet(RelationNode r)
    {
        var (o, ops) = Orient(r);
        var inf = new ConstNode(MathConstant.Infinity);
        if (ops.Length == 1 && ops[0] is "<" or "<=")
        {
            if (IsVariable(o[0]) && Evaluator.FreeSymbols(o[1]).Count == 0)
            {
                return new TupleNode([new NegNode(inf), o[1]], '(', ops[0] == "<" ? ')' : ']');
            }

            if (IsVariable(o[1]) && Evaluator.FreeSymbols(o[0]).Count == 0)
            {
                return new TupleNode([o[0], inf], ops[0] == "<" ? '(' : '[', ')');
            }
        }

        if (ops.Length == 2 && ops.All(x => x is "<" or "<=") && o[1] is FuncNode { Name: "abs" } abs && IsVariable(abs.Args[0])
            && Evaluator.FreeSymbols(o[0]).Count == 0 && Evaluator.FreeSymbols(o[2]).Count == 0)
        {
            // a ≤ |x| ≤ b  ⇔  x ∈ [-b, -a] ∪ [a, b].
            var lowClosed = ops[0] == "<=";
            var highClosed = ops[1] == "<=";
            return new UnionNode([
                new TupleNode([new NegNode(o[2]), new NegNode(o[0])], highClosed ? '[' : '(', lowClosed ? ']' : ')'),
                new TupleNode([o[0], o[2]], lowClosed ? '[' : '(', highClosed ? ']' : ')'),
            ]);
        }

        if (ops.Length == 2 && ops.All(x => x is "<" or "<=") && IsVariable(o[1]) && Evaluator.FreeSymbols(o[0]).Count == 0 && Evaluator.FreeSymbols(o[2]).Count == 0)
        {
            return new TupleNode([o[0], o[2]], ops[0] == "<" ? '(' : '[', ops[1] == "<" ? ')' : ']');
        }

        return null;
    }

    private static bool IsVariable(Node n) => n is SymbolNode || (n is MulNode m && m.Factors.All(f => f is SymbolNode));

    // ---- scalars ---------------------------------------------------------------------------------------------

    private bool CompareScalar(Node g, Node p)
    {
        var vars = Evaluator.FreeSymbols(g);
        var pvars = Evaluator.FreeSymbols(p);
        if (!_options.StrictVariables && pvars.Count == vars.Count && !pvars.SetEquals(vars))
        {
            var map = pvars.Zip(vars).ToDictionary(z => z.First, z => z.Second);
            p = Rename(p, map);
            pvars = new SortedSet<string>(vars, StringComparer.Ordinal);
        }

        vars.UnionWith(pvars);
        if (vars.Count == 0)
        {
            return CompareConstants(g, p);
        }

        return Decide(Proportional(g, p, requirePositive: false, exactRatioOne: true), "random-points");
    }

    private static Node Rename(Node n, Dictionary<string, string> map) => n switch
    {
        SymbolNode s => map.TryGetValue(s.Name, out var t) ? new SymbolNode(t) : s,
        NegNode x => new NegNode(Rename(x.X, map)),
        PercentNode x => new PercentNode(Rename(x.X, map)),
        AddNode a => new AddNode(a.Terms.Select(t => Rename(t, map)).ToArray()),
        MulNode m => new MulNode(m.Factors.Select(t => Rename(t, map)).ToArray()),
        DivNode d => new DivNode(Rename(d.N, map), Rename(d.D, map)),
        PowNode q => new PowNode(Rename(q.B, map), Rename(q.E, map)),
        FuncNode f => new FuncNode(f.Name, f.Args.Select(t => Rename(t, map)).ToArray()),
        _ => n,
    };

    private bool CompareConstants(Node g, Node p)
    {
        var eg = Evaluator.TryExact(g, null, _budget);
        var ep = Evaluator.TryExact(p, null, _budget);
        if (eg is { } xg && ep is { } xp && xg == xp)
        {
            return Decide(true, "exact");
        }

        var decG = Evaluator.HasDecimal(g);
        var decP = Evaluator.HasDecimal(p);
        if (eg is not null && ep is not null && !decG && !decP)
        {
            return Decide(false, "exact");
        }

        var cgFull = eg is { } a0 ? new Complex(a0.ToDouble(), 0) : Evaluator.Eval(g, null, _budget);
        var cpFull = ep is { } b0 ? new Complex(b0.ToDouble(), 0) : Evaluator.Eval(p, null, _budget);
        var vg = ToReal(cgFull);
        var vp = ToReal(cpFull);
        if ((double.IsNaN(vg) || double.IsNaN(vp)) && (decG || decP))
        {
            // Complex values with decimals (14.0 - 1.0i): tolerance on the complex difference.
            return Decide(CloseComplex(cgFull, cpFull, 1e-6), "decimal-complex");
        }

        if (_options.FloatRounding is { } fr && (decG || decP))
        {
            if (!double.IsFinite(vg) || !double.IsFinite(vp))
            {
                return Decide(false, "rounded");
            }

            var rg = (eg ?? Rational.FromDouble(vg)).RoundDecimals(fr);
            var rp = (ep ?? Rational.FromDouble(vp)).RoundDecimals(fr);
            return Decide(rg == rp, $"rounded-{fr}dp");
        }

        var litP = PlainDecimal(p);
        var litG = PlainDecimal(g);
        if (decP && litP is not null && !decG)
        {
            if (litP.Decimals is >= 3 and <= 6 && litP.SignificantDigits >= 4 && double.IsFinite(vg) && ep is { } pv)
            {
                var rg = (eg ?? Rational.FromDouble(vg)).RoundDecimals(litP.Decimals);
                _trace.Add($"rounding convention: a decimal prediction with 3–6 places and ≥ 4 significant digits must equal the gold rounded to its {litP.Decimals} places");
                return Decide(rg == pv, "rounded-to-prediction");
            }

            // A long decimal is a computed float: it must agree to ~9 digits.
            return Decide(Close(vg, vp, litP.Decimals > 6 ? 1e-9 : 1e-6), "decimal-tolerance");
        }

        if (decG && decP)
        {
            // Two rounded decimals: equal values (326.53 is not 326.5), unless the prediction carries at least
            // three more digits and rounds to the gold (0.290243531 for a gold rounded to 0.29).
            if (eg is { } xg2 && ep is { } xp2 && litG is not null && litP is not null && litP.Decimals >= litG.Decimals + 3)
            {
                return Decide(xp2.RoundDecimals(litG.Decimals) == xg2, "decimal-rounds-to-gold");
            }

            return Decide(eg is not null && ep is not null ? eg.Value == ep.Value : Close(vg, vp, 1e-12), "decimal-exact");
        }

        if (decG || decP)
        {
            return Decide(Close(vg, vp, 1e-6), "decimal-tolerance");
        }

        return Decide(CloseComplex(cgFull, cpFull, 1e-9), "numeric");
    }

    private static NumberNode? PlainDecimal(Node n) => n switch
    {
        NumberNode x => x,
        NegNode { X: NumberNode x } => x,
        _ => null,
    };

    private static double ToReal(Complex c) => Math.Abs(c.Imaginary) <= 1e-12 * Math.Max(1, Math.Abs(c.Real)) ? c.Real : double.NaN;

    private static bool Close(double a, double b, double rel)
    {
        if (double.IsNaN(a) || double.IsNaN(b))
        {
            return false;
        }

        if (double.IsInfinity(a) || double.IsInfinity(b))
        {
            return a == b;
        }

        return Math.Abs(a - b) <= rel * Math.Max(Math.Abs(a), Math.Abs(b)) || Math.Abs(a - b) < 1e-300;
    }

    private static bool CloseComplex(Complex a, Complex b, double rel)
    {
        if (double.IsNaN(a.Real) || double.IsNaN(b.Real) || double.IsNaN(a.Imaginary) || double.IsNaN(b.Imaginary))
        {
            return false;
        }

        if (double.IsInfinity(a.Real) || double.IsInfinity(b.Real))
        {
            return a.Real == b.Real && a.Imaginary == b.Imaginary;
        }

        var scale = Math.Max(Complex.Abs(a), Complex.Abs(b));
        return Complex.Abs(a - b) <= rel * scale + 1e-300;
    }

    /// <summary>
    /// True when f = c·h at every random point for one constant c (c = 1 when <paramref name="exactRatioOne"/>):
    /// rational points with exact arithmetic where possible, complex doubles otherwise.
    /// </summary>
    private bool Proportional(Node f, Node h, bool requirePositive, bool exactRatioOne = false)
    {
        var vars = Evaluator.FreeSymbols(f);
        vars.UnionWith(Evaluator.FreeSymbols(h));
        var rng = new Random(_options.Seed);
        Complex? ratio = null;
        Rational? exactRatio = null;
        var valid = 0;
        var points = Math.Max(3, _options.RandomPoints);
        var analytic = IsAnalytic(f, 0) && IsAnalytic(h, 0);
        for (var k = 0; k < points * 3 && valid < points; k++)
        {
            _budget.CheckNow();
            // Points cycle through positive reals, negative reals and complex numbers near the positive axis, so an
            // identity that only holds for x > 0 (√(x²) = x, √x·√y = √(xy)) fails. A negative point where either side
            // leaves the reals (√(x³)/x) is outside the domain and skipped; complex points are skipped for |x|,
            // floor, ceil, factorials (not analytic: |z| is not √(z²) off the real line).
            var kind = (PointKind)(k % 3);
            var env = new Dictionary<string, Rational>(StringComparer.Ordinal);
            var cenv = new Dictionary<string, Complex>(StringComparer.Ordinal);
            foreach (var v in vars)
            {
                // Rational points in (0.2, 3.2) with small denominators keep exact arithmetic cheap.
                var r = new Rational(rng.Next(20, 320), rng.Next(0, 2) == 0 ? 100 : 97);
                env[v] = kind == PointKind.Negative ? -r : r;
                cenv[v] = kind == PointKind.Complex ? new Complex(r.ToDouble(), rng.Next(-40, 41) / 100.0) : env[v].ToDouble();
            }

            if (kind == PointKind.Complex && !analytic)
            {
                continue;
            }

            var ef = kind == PointKind.Complex ? null : Evaluator.TryExact(f, env, _budget);
            var eh = kind == PointKind.Complex ? null : Evaluator.TryExact(h, env, _budget);
            if (ef is { } xf && eh is { } xh)
            {
                if (exactRatioOne)
                {
                    if (xf != xh)
                    {
                        return false;
                    }

                    valid++;
                    continue;
                }

                if (xh.IsZero || xf.IsZero)
                {
                    if (xh.IsZero != xf.IsZero)
                    {
                        return false;
                    }

                    continue;
                }

                var r = xf / xh;
                if (exactRatio is null)
                {
                    exactRatio = r;
                    if (requirePositive && r.Sign <= 0)
                    {
                        return false;
                    }
                }
                else if (exactRatio.Value != r)
                {
                    return false;
                }

                ratio = r.ToDouble();
                valid++;
                continue;
            }

            Complex Lookup(string name) => cenv.TryGetValue(name, out var q) ? q : Complex.NaN;
            var cf = Evaluator.Eval(f, Lookup, _budget);
            var ch = Evaluator.Eval(h, Lookup, _budget);
            if (kind == PointKind.Negative && (!IsRealValue(cf) || !IsRealValue(ch)))
            {
                continue;
            }

            if (!IsFinite(cf) || !IsFinite(ch))
            {
                if (IsFinite(cf) != IsFinite(ch) && !double.IsNaN(cf.Real) && !double.IsNaN(ch.Real))
                {
                    return false;
                }

                continue;
            }

            if (exactRatioOne)
            {
                if (!CloseComplex(cf, ch, 1e-8))
                {
                    return false;
                }

                valid++;
                continue;
            }

            if (Complex.Abs(ch) < 1e-12 || Complex.Abs(cf) < 1e-12)
            {
                if ((Complex.Abs(ch) < 1e-12) != (Complex.Abs(cf) < 1e-12))
                {
                    return false;
                }

                continue;
            }

            var cr = cf / ch;
            if (ratio is null)
            {
                ratio = cr;
                if (requirePositive && !(Math.Abs(cr.Imaginary) < 1e-9 && cr.Real > 0))
                {
                    return false;
                }
            }
            else if (!CloseComplex(ratio.Value, cr, 1e-8))
            {
                return false;
            }

            valid++;
        }

        return valid >= Math.Min(3, points) || (valid > 0 && vars.Count == 0);
    }

    private enum PointKind
    {
        Positive,
        Negative,
        Complex,
    }

    private static bool IsRealValue(Complex c) => Math.Abs(c.Imaginary) <= 1e-9 * Math.Max(1, Complex.Abs(c));

    /// <summary>False when the expression uses a function that is not analytic (its complex values say nothing about real ones).</summary>
    private static bool IsAnalytic(Node n, int depth) => depth > 100 || n switch
    {
        FuncNode { Name: "abs" or "floor" or "ceil" or "factorial" or "binom" } => false,
        FuncNode fn => fn.Args.All(a => IsAnalytic(a, depth + 1)),
        NegNode x => IsAnalytic(x.X, depth + 1),
        PercentNode x => IsAnalytic(x.X, depth + 1),
        AddNode a => a.Terms.All(t => IsAnalytic(t, depth + 1)),
        MulNode m => m.Factors.All(t => IsAnalytic(t, depth + 1)),
        DivNode d => IsAnalytic(d.N, depth + 1) && IsAnalytic(d.D, depth + 1),
        PowNode p => IsAnalytic(p.B, depth + 1) && IsAnalytic(p.E, depth + 1),
        _ => true,
    };

    private static bool IsFinite(Complex c) => double.IsFinite(c.Real) && double.IsFinite(c.Imaginary);
}
