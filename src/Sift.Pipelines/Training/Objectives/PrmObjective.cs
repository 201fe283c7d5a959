using Sift.Data.Examples;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>
/// Process reward model (TRL PRMTrainer semantics on the LM head): the label token at each step's read position of a
/// prm example dataset, nothing else; see <see cref="StepLabelObjective"/>.
/// </summary>
internal static class PrmObjective
{
    /// <summary>Registry entry.</summary>
    public static ObjectiveSpec Spec { get; } = new("prm", "PRM", "#17becf",
        "process reward model on a prm example dataset: label-token cross-entropy at step tags only, mean over the step's labels; step accuracy of the {+,-} argmax",
        ObjectiveNeeds.None, Selective: false, ObjectiveSpec.ExamplesOnly("prm"), r => "PRM (label tokens at step tags)")
    {
        Examples = ExampleKind.Prm,
        CreateForExamples = StepLabelObjective.Create,
    };
}
