using Sift.Data.Examples;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>
/// Answer-only SFT (TRL completion_only_loss, spec §3.4): Σ NLL over completion tokens ÷ the completion tokens of the
/// whole optimizer step (all micro-batches); prompt tokens and padding carry no loss.
/// </summary>
internal sealed class SftObjective : IExampleObjective
{
    /// <summary>Registry entry.</summary>
    public static ObjectiveSpec Spec { get; } = new("sft", "SFT", "#2ca02c",
        "answer-only supervised fine-tuning on an sft example dataset: mean loss over completion tokens (train.pack packs rows)",
        ObjectiveNeeds.None, Selective: false, ObjectiveSpec.ExamplesOnly("sft"), r => "SFT (completion tokens only)")
    {
        Examples = ExampleKind.Sft,
        CreateForExamples = _ => new SftObjective(),
    };

    /// <inheritdoc />
    public ExampleStepShare ComputeWeights(in ExampleBatch batch, Span<float> weights)
    {
        float w = 1f / Math.Max(1, batch.StepTargets);
        double loss = 0;
        int kept = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            bool on = batch.Targets[i] != ExampleSampler.IgnoreTarget;
            weights[i] = on ? w : 0f;
            loss += on ? batch.Losses[i] * (double)w : 0;
            kept += on ? 1 : 0;
        }
        return new ExampleStepShare(loss, kept);
    }
}
