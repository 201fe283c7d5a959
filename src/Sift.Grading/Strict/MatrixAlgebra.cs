using Sift.Grading.Parsing;

namespace Sift.Grading.Strict;

/// <summary>Reduces sums, products and scalar multiples of literal matrices to one matrix of cell expressions.</summary>
internal static class MatrixAlgebra
{
    /// <summary>The reduced matrix, or null when the node is not matrix arithmetic.</summary>
    public static MatrixNode? TryReduce(Node n)
    {
        switch (n)
        {
            case MatrixNode m:
                return m;
            case AddNode a when a.Terms.Any(t => t is MatrixNode or MulNode or NegNode):
                {
                    MatrixNode? acc = null;
                    foreach (var t in a.Terms)
                    {
                        var m = TryReduce(t);
                        if (m is null)
                        {
                            return null;
                        }

                        acc = acc is null ? m : Combine(acc, m, (x, y) => new AddNode([x, y]));
                        if (acc is null)
                        {
                            return null;
                        }
                    }

                    return acc;
                }

            case NegNode neg when TryReduce(neg.X) is { } inner:
                return new MatrixNode(inner.Rows.Select(r => r.Select(c => (Node)new NegNode(c)).ToArray()).ToArray());
            case MulNode mul when mul.Factors.Any(f => f is MatrixNode):
                {
                    MatrixNode? acc = null;
                    var scalars = new List<Node>();
                    foreach (var f in mul.Factors)
                    {
                        if (f is MatrixNode m)
                        {
                            acc = acc is null ? m : Multiply(acc, m);
                            if (acc is null)
                            {
                                return null;
                            }
                        }
                        else if (Evaluation.Evaluator.IsScalar(f))
                        {
                            scalars.Add(f);
                        }
                        else
                        {
                            return null;
                        }
                    }

                    if (acc is null)
                    {
                        return null;
                    }

                    return scalars.Count == 0 ? acc
                        : new MatrixNode(acc.Rows.Select(r => r.Select(c => (Node)new MulNode([.. scalars, c])).ToArray()).ToArray());
                }

            default:
                return null;
        }
    }

    private static MatrixNode? Combine(MatrixNode a, MatrixNode b, Func<Node, Node, Node> op)
    {
        if (a.Rows.Length != b.Rows.Length || a.Rows.Zip(b.Rows).Any(z => z.First.Length != z.Second.Length))
        {
            return null;
        }

        return new MatrixNode(a.Rows.Zip(b.Rows).Select(z => z.First.Zip(z.Second).Select(c => op(c.First, c.Second)).ToArray()).ToArray());
    }

    private static MatrixNode? Multiply(MatrixNode a, MatrixNode b)
    {
        var inner = b.Rows.Length;
        if (a.Rows.Any(r => r.Length != inner) || b.Rows.Any(r => r.Length != b.Rows[0].Length))
        {
            return null;
        }

        var cols = b.Rows[0].Length;
        var rows = new Node[a.Rows.Length][];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new Node[cols];
            for (var j = 0; j < cols; j++)
            {
                rows[i][j] = new AddNode(Enumerable.Range(0, inner).Select(k => (Node)new MulNode([a.Rows[i][k], b.Rows[k][j]])).ToArray());
            }
        }

        return new MatrixNode(rows);
    }
}
