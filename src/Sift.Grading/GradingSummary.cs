namespace Sift.Grading;

/// <summary>Running totals over many grades: accuracy, timeouts (counted, never fatal) and how often each rule decided.</summary>
public sealed class GradingSummary
{
    private readonly Dictionary<string, int> _rules = new(StringComparer.Ordinal);

    /// <summary>Number of graded pairs.</summary>
    public int Total { get; private set; }

    /// <summary>Number judged equal.</summary>
    public int Equal { get; private set; }

    /// <summary>Number that ran out of budget (scored as not equal).</summary>
    public int TimedOut { get; private set; }

    /// <summary>Counts per deciding rule.</summary>
    public IReadOnlyDictionary<string, int> Rules => _rules;

    /// <summary>Fraction judged equal (0 when empty).</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Equal / Total;

    /// <summary>Adds one result.</summary>
    public void Add(GradeResult result)
    {
        Total++;
        Equal += result.Equal ? 1 : 0;
        TimedOut += result.TimedOut ? 1 : 0;
        _rules[result.Rule] = _rules.GetValueOrDefault(result.Rule) + 1;
    }

    /// <summary>One-line report, e.g. "acc 52.0% (260/500), timeouts 0".</summary>
    public override string ToString() =>
        $"acc {Accuracy * 100:F1}% ({Equal}/{Total}), timeouts {TimedOut}";
}
