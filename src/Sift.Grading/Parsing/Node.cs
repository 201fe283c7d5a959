using System.Text;
using Sift.Grading.Numerics;

namespace Sift.Grading.Parsing;

/// <summary>A node of the parsed math expression tree. <see cref="ToString"/> gives a canonical plain form.</summary>
public abstract record Node
{
    /// <summary>Canonical plain-text rendering used by --explain and for structural comparisons.</summary>
    public abstract override string ToString();
}

/// <summary>A numeric literal; <see cref="Decimals"/> is the count of digits after the point (0 for integers).</summary>
public sealed record NumberNode(Rational Value, int Decimals, int SignificantDigits) : Node
{
    /// <inheritdoc/>
    public override string ToString() => Decimals > 0 ? Value.ToDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture) : Value.ToString();
}

/// <summary>A free variable (including subscripted names such as <c>x_1</c>).</summary>
public sealed record SymbolNode(string Name) : Node
{
    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Well-known constants.</summary>
public enum MathConstant
{
    /// <summary>π.</summary>
    Pi,

    /// <summary>Euler's number.</summary>
    E,

    /// <summary>Imaginary unit.</summary>
    I,

    /// <summary>Positive infinity.</summary>
    Infinity,
}

/// <summary>A constant such as π or ∞.</summary>
public sealed record ConstNode(MathConstant Kind) : Node
{
    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        MathConstant.Pi => "pi",
        MathConstant.E => "E",
        MathConstant.I => "I",
        _ => "oo",
    };
}

/// <summary>A sum of terms.</summary>
public sealed record AddNode(Node[] Terms) : Node
{
    /// <inheritdoc/>
    public override string ToString() => "(" + string.Join(" + ", Terms.Select(t => t.ToString())) + ")";
}

/// <summary>Unary minus.</summary>
public sealed record NegNode(Node X) : Node
{
    /// <inheritdoc/>
    public override string ToString() => "-" + X;
}

/// <summary>A product of factors.</summary>
public sealed record MulNode(Node[] Factors) : Node
{
    /// <inheritdoc/>
    public override string ToString() => "(" + string.Join("*", Factors.Select(t => t.ToString())) + ")";
}

/// <summary>A quotient.</summary>
public sealed record DivNode(Node N, Node D) : Node
{
    /// <inheritdoc/>
    public override string ToString() => "(" + N + ")/(" + D + ")";
}

/// <summary>A power.</summary>
public sealed record PowNode(Node B, Node E) : Node
{
    /// <inheritdoc/>
    public override string ToString() => "(" + B + ")^(" + E + ")";
}

/// <summary>A function application (sin, log, sqrt, abs, factorial, …); argument count depends on the function.</summary>
public sealed record FuncNode(string Name, Node[] Args) : Node
{
    /// <inheritdoc/>
    public override string ToString() => Name + "(" + string.Join(", ", Args.Select(a => a.ToString())) + ")";
}

/// <summary><c>a ± b</c> (A may be null for a leading ±).</summary>
public sealed record PlusMinusNode(Node? A, Node B) : Node
{
    /// <inheritdoc/>
    public override string ToString() => (A is null ? string.Empty : A.ToString()) + " ± " + B;
}

/// <summary>Free text (words, <c>\text{…}</c> that is not a number).</summary>
public sealed record TextNode(string Text) : Node
{
    /// <inheritdoc/>
    public override string ToString() => "\"" + Text + "\"";
}

/// <summary>A bracketed sequence: tuple <c>(a,b)</c> or interval <c>[a,b)</c>; the bracket characters are kept.</summary>
public sealed record TupleNode(Node[] Items, char Open, char Close) : Node
{
    /// <inheritdoc/>
    public override string ToString() => Open + string.Join(", ", Items.Select(t => t.ToString())) + Close;
}

/// <summary>A set literal <c>\{a, b\}</c>.</summary>
public sealed record SetNode(Node[] Items) : Node
{
    /// <inheritdoc/>
    public override string ToString() => "{" + string.Join(", ", Items.Select(t => t.ToString())) + "}";
}

/// <summary>A union of sets/intervals.</summary>
public sealed record UnionNode(Node[] Parts) : Node
{
    /// <inheritdoc/>
    public override string ToString() => string.Join(" U ", Parts.Select(t => t.ToString()));
}

/// <summary>A relation chain <c>a op b op c</c>; ops are "=", "&lt;", "&lt;=", "&gt;", "&gt;=", "!=", "in", "approx".</summary>
public sealed record RelationNode(Node[] Operands, string[] Ops) : Node
{
    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder(Operands[0].ToString());
        for (var i = 0; i < Ops.Length; i++)
        {
            sb.Append(' ').Append(Ops[i]).Append(' ').Append(Operands[i + 1]);
        }

        return sb.ToString();
    }
}

/// <summary>A matrix (rows of cells).</summary>
public sealed record MatrixNode(Node[][] Rows) : Node
{
    /// <inheritdoc/>
    public override string ToString() => "Matrix[" + string.Join("; ", Rows.Select(r => string.Join(", ", r.Select(c => c.ToString())))) + "]";
}

/// <summary>An unbracketed list <c>a, b, c</c> (answers with several values; order is ignored when compared).</summary>
public sealed record ListNode(Node[] Items) : Node
{
    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", Items.Select(t => t.ToString()));
}

/// <summary>A ratio chain <c>a:b:c</c>.</summary>
public sealed record RatioNode(Node[] Parts) : Node
{
    /// <inheritdoc/>
    public override string ToString() => string.Join(":", Parts.Select(t => t.ToString()));
}

/// <summary><c>x%</c>, worth x/100.</summary>
public sealed record PercentNode(Node X) : Node
{
    /// <inheritdoc/>
    public override string ToString() => X + "%";
}
