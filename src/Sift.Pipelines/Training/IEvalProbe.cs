using System.Text.Json.Nodes;
using Sift.Engine;
using Sift.Engine.Model;

namespace Sift.Pipelines.Training;

/// <summary>
/// An evaluation run on the current weights at evaluation steps (and at the end): held-out losses, accuracy.
/// Each probe adds its fields to the metrics record of that step.
/// </summary>
public interface IEvalProbe
{
    /// <summary>Evaluates <paramref name="model"/> and writes fields such as "clean_loss" or "accuracy" into <paramref name="record"/>.</summary>
    void Evaluate(LlamaModel model, Compute compute, JsonObject record);
}
