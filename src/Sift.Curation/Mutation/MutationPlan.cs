using System.Globalization;
using System.Text;

namespace Sift.Curation.Mutation;

/// <summary>A number that occurs both in the question and as literals in the program, the same number of times.</summary>
/// <param name="Value">The number.</param>
/// <param name="Decimals">Most digits after the point it is written with, in the question or the program.</param>
/// <param name="Percent">Written as a percentage in the question (new values stay at most 100).</param>
internal sealed record LinkedNumber(decimal Value, int Decimals, bool Percent);

/// <summary>One changed number of a mutation.</summary>
/// <param name="From">The number in the source problem.</param>
/// <param name="To">The number in the mutated one.</param>
internal sealed record NumberChange(string From, string To);

/// <summary>
/// Which numbers of a program-solved problem can change, and how to change them consistently. A number is
/// <em>linked</em> when its value occurs in the question (digits or a number word) exactly as many times as it occurs
/// as a numeric literal in the program's code (strings and comments excluded), and is neither 0 nor 1. Changing it
/// replaces every one of those occurrences, so the question still states what the program computes. Literals the
/// question does not state (60 minutes an hour, 100 for percentages, 2 for "half") and values whose counts differ
/// (the 2 of "2 bolts" and of "half that much" in one program) are left alone; 0 and 1 are identity constants far
/// more often than quantities. Numbers in the program's docstrings and comments follow the same change.
/// </summary>
internal sealed class MutationPlan
{
    private readonly List<QuestionNumber> _question;
    private readonly List<PySpan> _code;
    private readonly List<(int Start, int Length, decimal Value, QuestionNumber Form)> _notes;

    private MutationPlan(string question, string code, List<QuestionNumber> q, List<PySpan> literals, List<(int, int, decimal, QuestionNumber)> notes, List<LinkedNumber> linked)
    {
        Question = question;
        Code = code;
        _question = q;
        _code = literals;
        _notes = notes;
        Linked = linked;
    }

    public string Question { get; }

    public string Code { get; }

    /// <summary>The numbers that can change, in increasing value.</summary>
    public IReadOnlyList<LinkedNumber> Linked { get; }

    public static MutationPlan Build(string question, string code)
    {
        var q = QuestionNumbers.Find(question);
        var spans = PythonLexer.Scan(code);
        var literals = spans.Where(s => s.Kind == PySpanKind.Number).ToList();
        var linked = new List<LinkedNumber>();
        var inCode = literals.GroupBy(s => PythonLexer.Value(code.Substring(s.Start, s.Length))).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var g in q.GroupBy(x => x.Value).OrderBy(g => g.Key))
        {
            if (g.Key is 0 or 1 || !inCode.TryGetValue(g.Key, out var lits) || lits.Count != g.Count())
            {
                continue;
            }
            int decimals = Math.Max(g.Max(x => x.Decimals), lits.Max(s => Decimals(code.Substring(s.Start, s.Length))));
            linked.Add(new LinkedNumber(g.Key, decimals, g.Any(x => x.Percent)));
        }
        var linkedValues = linked.Select(l => l.Value).ToHashSet();
        var notes = new List<(int, int, decimal, QuestionNumber)>();
        foreach (var s in spans.Where(s => s.Kind == PySpanKind.Comment || (s.Kind == PySpanKind.String && s.TripleQuoted)))
        {
            foreach (var n in QuestionNumbers.Find(code.Substring(s.Start, s.Length)))
            {
                if (linkedValues.Contains(n.Value))
                {
                    notes.Add((s.Start + n.Start, n.Length, n.Value, n));
                }
            }
        }
        return new MutationPlan(question, code, q.Where(x => linkedValues.Contains(x.Value)).ToList(),
            literals.Where(s => linkedValues.Contains(PythonLexer.Value(code.Substring(s.Start, s.Length)))).ToList(), notes, linked);
    }

    /// <summary>The question and program with every occurrence of each changed value replaced.</summary>
    public (string Question, string Code) Apply(IReadOnlyDictionary<decimal, decimal> change)
    {
        var qEdits = _question.Where(x => change.ContainsKey(x.Value)).Select(x => (x.Start, x.Length, Format(change[x.Value], x))).ToList();
        var cEdits = new List<(int, int, string)>();
        foreach (var s in _code)
        {
            string lit = Code.Substring(s.Start, s.Length);
            if (change.TryGetValue(PythonLexer.Value(lit), out decimal to))
            {
                cEdits.Add((s.Start, s.Length, lit.Contains('.', StringComparison.Ordinal) ? Fixed(to, Math.Max(1, Decimals(lit))) : Fixed(to, 0)));
            }
        }
        foreach (var (start, length, value, form) in _notes)
        {
            if (change.TryGetValue(value, out decimal to))
            {
                cEdits.Add((start, length, Format(to, form)));
            }
        }
        return (Edit(Question, qEdits), Edit(Code, cEdits));
    }

    // As the question wrote the number it replaces: thousands groups kept, decimals kept, words become digits.
    private static string Format(decimal v, QuestionNumber form)
    {
        int decimals = Math.Max(form.Decimals, Scale(v));
        return form.Grouped ? v.ToString("N" + decimals, CultureInfo.InvariantCulture) : Fixed(v, decimals);
    }

    private static string Fixed(decimal v, int decimals) => v.ToString("F" + Math.Max(decimals, Scale(v)), CultureInfo.InvariantCulture);

    // Digits after the point the value needs (2.50 → 1, 3 → 0).
    internal static int Scale(decimal v)
    {
        v = v / 1.000000000000000000000000000000000m; // drops trailing zeros
        return (decimal.GetBits(v)[3] >> 16) & 0xFF;
    }

    private static int Decimals(string literal)
    {
        int point = literal.IndexOf('.', StringComparison.Ordinal);
        return point < 0 ? 0 : literal.Length - point - 1 - literal[(point + 1)..].Count(c => c == '_');
    }

    private static string Edit(string text, List<(int Start, int Length, string Replacement)> edits)
    {
        var sb = new StringBuilder(text.Length + 16);
        int at = 0;
        foreach (var (start, length, replacement) in edits.OrderBy(e => e.Start))
        {
            sb.Append(text, at, start - at).Append(replacement);
            at = start + length;
        }
        return sb.Append(text, at, text.Length - at).ToString();
    }
}
