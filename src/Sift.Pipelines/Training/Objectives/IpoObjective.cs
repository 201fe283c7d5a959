using Sift.Data.Examples;
using Sift.Pipelines.Training.FineTuning;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>IPO (TRL loss_type "ipo", spec §3.1): (ρ_w/|y_w| − ρ_l/|y_l| − 1/(2β))², mean over pairs; β is the paper's τ.</summary>
internal static class IpoObjective
{
    /// <summary>Registry entry.</summary>
    public static ObjectiveSpec Spec { get; } = new("ipo", "IPO", "#8c564b",
        "identity preference optimisation on a pairs example dataset (per-token-averaged log-ratios, pref.beta = τ)",
        ObjectiveNeeds.None, Selective: false, ObjectiveSpec.ExamplesOnly("ipo"), r => $"IPO (τ {r.FineTune.Beta})")
    {
        Examples = ExampleKind.Pairs,
        CreateForExamples = c => new DpoObjective(DpoLoss.Ipo, c.Options.Beta, 0),
    };
}
