using System.Text;

namespace Sift.Grading;

/// <summary>The verdict of one comparison, with the evidence behind it.</summary>
public sealed record GradeResult
{
    /// <summary>True when the prediction is judged equal to the gold answer.</summary>
    public required bool Equal { get; init; }

    /// <summary>Name of the rule that decided (e.g. <c>exact</c>, <c>numeric</c>, <c>string</c>, <c>interval</c>, <c>timeout</c>).</summary>
    public required string Rule { get; init; }

    /// <summary>The mode used.</summary>
    public required GradeMode Mode { get; init; }

    /// <summary>Gold answer after normalisation (and parsing, in strict mode).</summary>
    public required string NormalizedGold { get; init; }

    /// <summary>Prediction after normalisation (and parsing, in strict mode).</summary>
    public required string NormalizedPrediction { get; init; }

    /// <summary>True when the comparison ran out of its time budget or was cancelled (then <see cref="Equal"/> is false).</summary>
    public bool TimedOut { get; init; }

    /// <summary>Optional detail lines (steps tried), shown by <see cref="Explain"/>.</summary>
    public IReadOnlyList<string> Trace { get; init; } = [];

    /// <summary>Human-readable explanation for <c>--explain</c>.</summary>
    public string Explain()
    {
        var sb = new StringBuilder();
        sb.Append("mode:       ").AppendLine(Mode.ToString().ToLowerInvariant());
        sb.Append("gold:       ").AppendLine(NormalizedGold);
        sb.Append("prediction: ").AppendLine(NormalizedPrediction);
        foreach (var t in Trace)
        {
            sb.Append("  - ").AppendLine(t);
        }

        sb.Append("verdict:    ").Append(Equal ? "EQUAL" : "NOT EQUAL").Append(" (rule: ").Append(Rule).Append(')');
        if (TimedOut)
        {
            sb.Append(" [timed out]");
        }

        return sb.AppendLine().ToString();
    }
}
