namespace Sift.Rewards.Scoring;

/// <summary>One solution's scores.</summary>
/// <param name="Steps">Per step, P(good) / (P(good) + P(bad)), or null when it could not be read.</param>
/// <param name="Missing">Per step, null when scored, else why not: the label token(s) missing from a server's top-k
/// ("+", "-" or "+-", named by role: good then bad), or "context" for a step past the model's context.</param>
/// <param name="Score">The aggregate: over the scored steps when the only unscored ones are past the context (as RLHFlow
/// drops steps past its cut), null when any label was missing or no step was scored.</param>
internal sealed record StepResult(double?[] Steps, string?[] Missing, double? Score)
{
    /// <summary>Steps that are not scored.</summary>
    public int MissingSteps => Missing.Count(m => m is not null);
}

/// <summary>Turns label readouts into step scores and a solution score.</summary>
internal static class StepScoring
{
    /// <summary>Why a step past the context has no score.</summary>
    public const string PastContext = "context";

    /// <summary>The 2-way softmax P(good) from the two values (logits, or log-probs: only their difference matters).</summary>
    public static double Probability(double good, double bad) => 1.0 / (1.0 + Math.Exp(bad - good));

    /// <summary>Scores <paramref name="steps"/> steps from a readout of the first <c>readout.Good.Length</c> of them.</summary>
    public static StepResult Combine(StepReadout readout, int steps, StepAggregate aggregate)
    {
        var scores = new double?[steps];
        var missing = new string?[steps];
        bool labelMissing = false;
        for (int k = 0; k < steps; k++)
        {
            if (k >= readout.Good.Length)
            {
                missing[k] = PastContext;
                continue;
            }
            double? g = readout.Good[k], b = readout.Bad[k];
            if (g is double gv && b is double bv)
            {
                scores[k] = Probability(gv, bv);
            }
            else
            {
                missing[k] = (g is null ? "+" : "") + (b is null ? "-" : "");
                labelMissing = true;
            }
        }
        var present = scores.OfType<double>().ToList();
        double? score = labelMissing || present.Count == 0 ? null : StepAggregation.Apply(aggregate, present);
        return new StepResult(scores, missing, score);
    }

    /// <summary>The prompt cut to <paramref name="maxTokens"/> tokens, keeping the steps whose rows still fit.</summary>
    public static RmPrompt Fit(RmPrompt p, int maxTokens) =>
        p.Tokens.Length <= maxTokens ? p : p with { Tokens = p.Tokens[..maxTokens], Rows = p.Rows.Where(r => r < maxTokens).ToArray() };
}
