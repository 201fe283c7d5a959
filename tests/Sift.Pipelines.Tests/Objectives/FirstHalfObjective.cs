using Sift.Engine.Ops;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Tests.Objectives;

/// <summary>
/// A test objective written as a new objective would be: this file and one registration, nothing else. It trains on
/// the first half of each window only (weight 1/k over those tokens), so its trained-token count is exactly half.
/// </summary>
internal sealed class FirstHalfObjective : ITokenObjective
{
    public static ObjectiveSpec Spec { get; } = new("first-half", "first half (test)", "#17becf", "test objective: the first half of every window",
        ObjectiveNeeds.None, Selective: false, _ => new FirstHalfObjective(), _ => "first-half student (test objective)");

    public int ComputeWeights(in MicroBatch batch, Span<float> weights)
    {
        int T = batch.SeqLen, kept = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            kept += i % T < T / 2 && batch.Targets[i] != CrossEntropy.IgnoreIndex ? 1 : 0;
        }
        int microPerStep = Math.Max(1, batch.StepTokens / weights.Length);
        float w = 1f / (kept * microPerStep);
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = i % T < T / 2 && batch.Targets[i] != CrossEntropy.IgnoreIndex ? w : 0f;
        }
        return kept;
    }
}
