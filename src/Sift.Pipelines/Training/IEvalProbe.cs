using Sift.Engine;
using Sift.Engine.Model;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Training;

/// <summary>What a held-out probe measured: overall and per difficulty tier.</summary>
/// <param name="CleanLoss">Mean per-token loss on the held-out problem documents.</param>
/// <param name="AnswerLoss">Mean loss of the answer tokens.</param>
/// <param name="Accuracy">Greedy exact-answer accuracy (null when nothing was decoded).</param>
/// <param name="AccuracyProblems">Problems decoded.</param>
/// <param name="Tiers">The same per tier.</param>
internal sealed record ProbeResult(double? CleanLoss, double? AnswerLoss, double? Accuracy, int AccuracyProblems, Dictionary<string, TierEval> Tiers)
{
    /// <summary>The evaluation record with these fields.</summary>
    public MetricsLine AddTo(MetricsLine line) => line with
    {
        CleanLoss = CleanLoss,
        AnswerLoss = AnswerLoss,
        Accuracy = Accuracy,
        AccuracyProblems = AccuracyProblems,
        Tiers = Tiers,
    };
}

/// <summary>An evaluation of the current weights at evaluation steps (and at the end): held-out losses, accuracy.</summary>
internal interface IEvalProbe
{
    /// <summary>Evaluates <paramref name="model"/>; <paramref name="final"/> at the end of training (a probe may judge more there).</summary>
    ProbeResult Evaluate(LlamaModel model, Compute compute, bool final = false);
}
