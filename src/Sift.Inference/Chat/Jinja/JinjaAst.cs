namespace Sift.Inference.Chat.Jinja;

// Expressions --------------------------------------------------------------------------------------------------

internal abstract record Expr;

internal sealed record Literal(object? Value) : Expr;

internal sealed record NameRef(string Name) : Expr;

internal sealed record GetAttr(Expr Target, string Attr) : Expr;

internal sealed record GetItem(Expr Target, Expr Index) : Expr;

internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr;

internal sealed record CallExpr(Expr Target, List<Expr> Args, List<KeyValuePair<string, Expr>> Kwargs) : Expr;

internal sealed record FilterExpr(Expr Target, string Name, List<Expr> Args, List<KeyValuePair<string, Expr>> Kwargs) : Expr;

internal sealed record TestExpr(Expr Target, string Name, List<Expr> Args, bool Negate) : Expr;

internal sealed record UnaryExpr(string Op, Expr Operand) : Expr;

internal sealed record BinaryExpr(string Op, Expr Left, Expr Right) : Expr;

internal sealed record CondExpr(Expr Test, Expr Then, Expr? Else) : Expr;

internal sealed record ListExpr(List<Expr> Items) : Expr;

internal sealed record DictExpr(List<KeyValuePair<Expr, Expr>> Items) : Expr;

// Statements ---------------------------------------------------------------------------------------------------

internal abstract record Node;

internal sealed record TextNode(string Text) : Node;

internal sealed record OutputNode(Expr Value) : Node;

internal sealed record ForNode(List<string> Targets, Expr Iterable, Expr? Filter, List<Node> Body, List<Node> Else) : Node;

internal sealed record IfNode(List<KeyValuePair<Expr, List<Node>>> Branches, List<Node> Else) : Node;

/// <summary>{% set x = e %}, {% set a, b = e %} or {% set ns.attr = e %}; Body set for the block form.</summary>
internal sealed record SetNode(List<string> Targets, string? Attr, Expr? Value, List<Node>? Body) : Node;

internal sealed record MacroNode(string Name, List<KeyValuePair<string, Expr?>> Params, List<Node> Body) : Node;

internal sealed record BreakNode : Node;

internal sealed record ContinueNode : Node;
