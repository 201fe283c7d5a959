using Sift.Grading.Evaluation;
using Sift.Grading.Numerics;
using Sift.Grading.Parsing;

namespace Sift.Grading.Strict;

/// <summary>An end of an interval: ±∞ or a real number (exact when the expression is rational).</summary>
internal readonly record struct Bound(double Value, Rational? Exact)
{
    public static Bound NegInf => new(double.NegativeInfinity, null);

    public static Bound PosInf => new(double.PositiveInfinity, null);

    public bool Same(Bound o) => Exact is { } a && o.Exact is { } b ? a == b
        : double.IsInfinity(Value) || double.IsInfinity(o.Value) ? Value == o.Value
        : Math.Abs(Value - o.Value) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(Value), Math.Abs(o.Value)));

    public int CompareTo(Bound o) => Same(o) ? 0 : Value.CompareTo(o.Value);
}

/// <summary>One interval; a point is [a, a].</summary>
internal readonly record struct Span(Bound Lo, bool LoClosed, Bound Hi, bool HiClosed)
{
    public bool Empty => Lo.CompareTo(Hi) is var c && (c > 0 || (c == 0 && !(LoClosed && HiClosed)));
}

/// <summary>
/// A subset of the real line as a normalised union of disjoint intervals, so that <c>(-\infty,2)\cup(2,\infty)</c>,
/// <c>\mathbb{R}\setminus\{2\}</c>, <c>x \ne 2</c> and <c>x&lt;2 \text{ or } x&gt;2</c> are one value. Built from
/// intervals, ℝ, finite sets of numbers, ∪, ∩, ∖ and one-variable inequalities (chains, ≠, "or" lists, <c>x \in S</c>).
/// </summary>
internal sealed class RealSet
{
    private RealSet(List<Span> spans) => Spans = Normalise(spans);

    public IReadOnlyList<Span> Spans { get; }

    public static RealSet All => new([new Span(Bound.NegInf, false, Bound.PosInf, false)]);

    public bool SameAs(RealSet o) => Spans.Count == o.Spans.Count && Spans.Zip(o.Spans).All(z =>
        z.First.Lo.Same(z.Second.Lo) && z.First.Hi.Same(z.Second.Hi) && z.First.LoClosed == z.Second.LoClosed && z.First.HiClosed == z.Second.HiClosed);

    public RealSet Union(RealSet o) => new([.. Spans, .. o.Spans]);

    public RealSet Intersect(RealSet o)
    {
        var r = new List<Span>();
        foreach (var a in Spans)
        {
            foreach (var b in o.Spans)
            {
                var lo = a.Lo.CompareTo(b.Lo) switch { > 0 => (a.Lo, a.LoClosed), < 0 => (b.Lo, b.LoClosed), _ => (a.Lo, a.LoClosed && b.LoClosed) };
                var hi = a.Hi.CompareTo(b.Hi) switch { < 0 => (a.Hi, a.HiClosed), > 0 => (b.Hi, b.HiClosed), _ => (a.Hi, a.HiClosed && b.HiClosed) };
                r.Add(new Span(lo.Item1, lo.Item2, hi.Item1, hi.Item2));
            }
        }

        return new RealSet(r);
    }

    public RealSet Complement()
    {
        var r = new List<Span>();
        var lo = Bound.NegInf;
        var loClosed = false;
        foreach (var s in Spans)
        {
            r.Add(new Span(lo, loClosed, s.Lo, !s.LoClosed));
            lo = s.Hi;
            loClosed = !s.HiClosed;
        }

        r.Add(new Span(lo, loClosed, Bound.PosInf, false));
        return new RealSet(r);
    }

    public RealSet Minus(RealSet o) => Intersect(o.Complement());

    /// <summary>The set a node denotes, or null when it is not a set of reals (a tuple of non-numbers, an equation…).</summary>
    public static RealSet? From(Node n, Budget budget, int depth = 0)
    {
        if (depth > 30)
        {
            return null;
        }

        switch (n)
        {
            case TupleNode { Items.Length: 2 } t when t.Open is '(' or '[' && t.Close is ')' or ']':
                return Point(t.Items[0], budget) is { } a && Point(t.Items[1], budget) is { } b
                    ? new RealSet([new Span(a, t.Open == '[' && !double.IsInfinity(a.Value), b, t.Close == ']' && !double.IsInfinity(b.Value))])
                    : null;
            case SetNode s:
                {
                    var pts = new List<Span>();
                    foreach (var item in s.Items)
                    {
                        if (Point(item, budget) is not { } p || double.IsInfinity(p.Value))
                        {
                            return null;
                        }

                        pts.Add(new Span(p, true, p, true));
                    }

                    return new RealSet(pts);
                }

            case UnionNode u:
                return Fold(u.Parts, budget, depth, (a, b) => a.Union(b));
            case FuncNode { Name: "setminus", Args: [var a1, var b1] }:
                return From(a1, budget, depth + 1) is { } sa && From(b1, budget, depth + 1) is { } sb ? sa.Minus(sb) : null;
            case FuncNode { Name: "cap", Args: [var a2, var b2] }:
                return From(a2, budget, depth + 1) is { } ia && From(b2, budget, depth + 1) is { } ib ? ia.Intersect(ib) : null;
            case AddNode { Terms: [var left, NegNode { X: SetNode removed }] }:
                // ℝ - {2}: set difference written with a minus sign.
                return From(left, budget, depth + 1) is { } whole && From(removed, budget, depth + 1) is { } gone ? whole.Minus(gone) : null;
            case RelationNode rel:
                return FromRelation(rel, budget, depth);
            case ListNode list when list.Items.All(i => i is RelationNode) && SingleVariable(list.Items):
                // "x < 3 or x > 5" (a list of conditions on one variable): any of them.
                return Fold(list.Items, budget, depth, (a, b) => a.Union(b));
            default:
                return null;
        }
    }

    /// <summary>True when the node is written as a set of reals rather than a tuple or a number (worth comparing as one).</summary>
    public static bool LooksLikeSet(Node n) => n switch
    {
        UnionNode or FuncNode { Name: "setminus" or "cap" } => true,
        AddNode { Terms: [_, NegNode { X: SetNode }] } => true,
        RelationNode r => r.Ops.All(o => o is "<" or "<=" or ">" or ">=" or "!=") || (r.Ops is ["in"] && r.Operands[0] is SymbolNode),
        ListNode l => l.Items.All(i => i is RelationNode) && SingleVariable(l.Items),
        TupleNode { Items: [NegNode { X: ConstNode { Kind: MathConstant.Infinity } }, ConstNode { Kind: MathConstant.Infinity }] } => true,
        _ => false,
    };

    private static bool SingleVariable(IEnumerable<Node> relations)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in relations.Cast<RelationNode>())
        {
            if (!r.Ops.All(o => o is "<" or "<=" or ">" or ">=" or "!="))
            {
                return false;
            }

            foreach (var o in r.Operands)
            {
                names.UnionWith(Evaluator.FreeSymbols(o));
            }
        }

        return names.Count == 1;
    }

    private static RealSet? Fold(IEnumerable<Node> parts, Budget budget, int depth, Func<RealSet, RealSet, RealSet> op)
    {
        RealSet? acc = null;
        foreach (var p in parts)
        {
            if (From(p, budget, depth + 1) is not { } s)
            {
                return null;
            }

            acc = acc is null ? s : op(acc, s);
        }

        return acc;
    }

    /// <summary>x &lt; a, a ≤ x &lt; b, x ≠ a, x ∈ S (one variable; the variable's name is not part of the set).</summary>
    private static RealSet? FromRelation(RelationNode r, Budget budget, int depth)
    {
        if (r.Ops is ["in"] && r.Operands[0] is SymbolNode)
        {
            return From(r.Operands[1], budget, depth + 1);
        }

        var vars = r.Operands.Select(o => Evaluator.FreeSymbols(o)).ToList();
        if (vars.Sum(v => v.Count) != 1 || vars.Count(v => v.Count == 1) != 1)
        {
            return null;
        }

        var at = vars.FindIndex(v => v.Count == 1);
        if (r.Operands[at] is not SymbolNode)
        {
            return null;
        }

        // Each relation next to the variable bounds it; a chain a < x < b intersects both.
        var set = All;
        for (var i = 0; i < r.Ops.Length; i++)
        {
            var op = r.Ops[i];
            if (i != at && i + 1 != at)
            {
                return null;
            }

            var other = i == at ? r.Operands[i + 1] : r.Operands[i];
            if (Point(other, budget) is not { } b)
            {
                return null;
            }

            // Orient as "x op b".
            if (i + 1 == at)
            {
                op = op switch { "<" => ">", "<=" => ">=", ">" => "<", ">=" => "<=", _ => op };
            }

            var part = op switch
            {
                "<" => new RealSet([new Span(Bound.NegInf, false, b, false)]),
                "<=" => new RealSet([new Span(Bound.NegInf, false, b, true)]),
                ">" => new RealSet([new Span(b, false, Bound.PosInf, false)]),
                ">=" => new RealSet([new Span(b, true, Bound.PosInf, false)]),
                "!=" => All.Minus(new RealSet([new Span(b, true, b, true)])),
                _ => null,
            };
            if (part is null)
            {
                return null;
            }

            set = set.Intersect(part);
        }

        return set;
    }

    private static Bound? Point(Node n, Budget budget)
    {
        switch (n)
        {
            case ConstNode { Kind: MathConstant.Infinity }:
                return Bound.PosInf;
            case NegNode { X: ConstNode { Kind: MathConstant.Infinity } }:
                return Bound.NegInf;
        }

        if (!Evaluator.IsScalar(n) || Evaluator.FreeSymbols(n).Count > 0)
        {
            return null;
        }

        var exact = Evaluator.TryExact(n, null, budget);
        double v;
        if (exact is { } q)
        {
            v = q.ToDouble();
        }
        else
        {
            var c = Evaluator.Eval(n, null, budget);
            v = Math.Abs(c.Imaginary) < 1e-12 ? c.Real : double.NaN;
        }

        return double.IsNaN(v) ? null : new Bound(v, exact);
    }

    private static List<Span> Normalise(List<Span> spans)
    {
        var sorted = spans.Where(s => !s.Empty).OrderBy(s => s.Lo.Value).ThenBy(s => s.LoClosed ? 0 : 1).ToList();
        var r = new List<Span>();
        foreach (var s in sorted)
        {
            if (r.Count > 0)
            {
                var last = r[^1];
                var c = s.Lo.CompareTo(last.Hi);
                // Overlapping, or touching with at least one closed end: merge.
                if (c < 0 || (c == 0 && (s.LoClosed || last.HiClosed)))
                {
                    var hc = s.Hi.CompareTo(last.Hi);
                    r[^1] = hc > 0 ? last with { Hi = s.Hi, HiClosed = s.HiClosed }
                        : hc == 0 ? last with { HiClosed = last.HiClosed || s.HiClosed }
                        : last;
                    continue;
                }
            }

            r.Add(s);
        }

        return r;
    }
}
