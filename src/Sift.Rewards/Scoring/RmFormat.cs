using Sift.Core;

namespace Sift.Rewards.Scoring;

/// <summary>The reward-model input formats <c>sift rm score</c> knows.</summary>
internal enum RmFormat
{
    /// <summary>RLHFlow Llama-3.1 PRM: each step a user turn answered by "+"; P(+) at each answer.</summary>
    RlhFlowPrm,

    /// <summary>RLHFlow ORM: the whole solution in one user turn; P(+) at the answer.</summary>
    RlhFlowOrm,

    /// <summary>Math-Shepherd PRM: steps end with the tag "ки"; P(+) over {+, -} read at each tag.</summary>
    MathShepherd,

    /// <summary>Any tag-and-label PRM: --step-tag, --good, --bad; read at each tag as Math-Shepherd.</summary>
    Tagged,
}

/// <summary>Names, defaults and help of the formats.</summary>
internal static class RmFormats
{
    /// <summary>Command-line names, in help order.</summary>
    public static IReadOnlyList<(RmFormat Format, string Name, StepAggregate Aggregate, string Help)> All { get; } =
    [
        (RmFormat.RlhFlowPrm, "rlhflow-prm", StepAggregate.Mean, "RLHFlow PRM (Llama-3.1 chat, '+' answers; RLHFlow averages the steps)"),
        (RmFormat.RlhFlowOrm, "rlhflow-orm", StepAggregate.Last, "RLHFlow ORM (one user turn, one '+' answer)"),
        (RmFormat.MathShepherd, "math-shepherd", StepAggregate.Min, "Math-Shepherd PRM (steps end with 'ки'; the paper takes the minimum)"),
        (RmFormat.Tagged, "tagged", StepAggregate.Min, "your own tag-and-label PRM: --step-tag, --good, --bad (minimum, as Math-Shepherd)"),
    ];

    /// <summary>The format named on the command line.</summary>
    public static RmFormat Parse(string name) =>
        All.FirstOrDefault(f => f.Name == name.Trim().ToLowerInvariant()) is { Name: not null } hit ? hit.Format
            : throw new SiftException($"--format '{name}': expected one of {string.Join(", ", All.Select(f => f.Name))}");

    /// <summary>Command-line name.</summary>
    public static string Name(RmFormat f) => All.First(x => x.Format == f).Name;

    /// <summary>The aggregation the format's source uses.</summary>
    public static StepAggregate DefaultAggregate(RmFormat f) => All.First(x => x.Format == f).Aggregate;
}
