using Sift.Core;

namespace Sift.Rewards.Scoring;

/// <summary>How step scores become one solution score.</summary>
internal enum StepAggregate
{
    /// <summary>The weakest step (Math-Shepherd §3.4).</summary>
    Min,

    /// <summary>The last step (Snell et al., PRMs trained on soft labels).</summary>
    Last,

    /// <summary>The probability that every step is correct (Lightman et al. §2.6).</summary>
    Product,

    /// <summary>The average (RLHFlow's prm_evaluate.py).</summary>
    Mean,
}

/// <summary>The aggregations.</summary>
internal static class StepAggregation
{
    /// <summary>Parses a command-line name.</summary>
    public static StepAggregate Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "min" => StepAggregate.Min,
        "last" => StepAggregate.Last,
        "product" or "prod" => StepAggregate.Product,
        "mean" or "avg" => StepAggregate.Mean,
        _ => throw new SiftException($"--aggregate '{name}': expected min, last, product or mean"),
    };

    /// <summary>Command-line name.</summary>
    public static string Name(StepAggregate a) => a.ToString().ToLowerInvariant();

    /// <summary>Aggregates step scores (at least one).</summary>
    public static double Apply(StepAggregate a, IReadOnlyList<double> steps)
    {
        if (steps.Count == 0)
        {
            throw new ArgumentException("no step scores to aggregate", nameof(steps));
        }
        switch (a)
        {
            case StepAggregate.Min:
                return steps.Min();
            case StepAggregate.Last:
                return steps[^1];
            case StepAggregate.Product:
                double p = 1;
                foreach (double s in steps)
                {
                    p *= s;
                }
                return p;
            default:
                double sum = 0;
                foreach (double s in steps)
                {
                    sum += s;
                }
                return sum / steps.Count;
        }
    }
}
