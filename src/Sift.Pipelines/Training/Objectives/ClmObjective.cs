using Sift.Engine.Ops;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>Causal language modeling: the mean loss over every token of the step.</summary>
internal sealed class ClmObjective : ITokenObjective
{
    /// <summary>Registry entry.</summary>
    public static ObjectiveSpec Spec { get; } = new("clm", "CLM", "#1f77b4", "causal language modeling: every token, weight 1/N",
        ObjectiveNeeds.None, Selective: false, _ => new ClmObjective(), _ => "CLM student (every token)");

    /// <inheritdoc />
    public int ComputeWeights(in MicroBatch batch, Span<float> weights)
    {
        float w = 1f / batch.StepTokens;
        int kept = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            bool valid = batch.Targets[i] != CrossEntropy.IgnoreIndex;
            weights[i] = valid ? w : 0f;
            kept += valid ? 1 : 0;
        }
        return kept;
    }
}
