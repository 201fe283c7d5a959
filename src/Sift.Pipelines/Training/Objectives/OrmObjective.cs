using Sift.Data.Examples;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>
/// Outcome reward model: the label token (+ correct, − wrong) at the one position the ORM scorer reads of an orm
/// example dataset; the loss is the mean over the step's solutions. See <see cref="StepLabelObjective"/>.
/// </summary>
internal static class OrmObjective
{
    /// <summary>Registry entry.</summary>
    public static ObjectiveSpec Spec { get; } = new("orm", "ORM", "#bcbd22",
        "outcome reward model on an orm example dataset: label-token cross-entropy at the read position, mean over the step's solutions; accuracy of the {+,-} argmax",
        ObjectiveNeeds.None, Selective: false, ObjectiveSpec.ExamplesOnly("orm"), r => "ORM (label token after the solution)")
    {
        Examples = ExampleKind.Orm,
        CreateForExamples = StepLabelObjective.Create,
    };
}
