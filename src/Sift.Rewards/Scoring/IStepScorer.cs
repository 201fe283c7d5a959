namespace Sift.Rewards.Scoring;

/// <summary>
/// The two label values read at each step's row: logits on the local engine, log-probabilities from a server; either
/// way <c>Good − Bad</c> is the step's log-odds. Null where a server's top-k left the token out (never invented).
/// </summary>
/// <param name="Good">Per step (row), the positive label's value.</param>
/// <param name="Bad">Per step (row), the negative label's value.</param>
internal sealed record StepReadout(double?[] Good, double?[] Bad);

/// <summary>Runs reward-model prompts and reads the label values at their rows: the local engine or a server.</summary>
internal interface IStepScorer : IDisposable
{
    /// <summary>What scores (a model folder, or "served-model@endpoint"), recorded so a resume uses the same one.</summary>
    string Identity { get; }

    /// <summary>The longest prompt it can score; longer prompts are cut and the steps past the cut left unscored.</summary>
    int MaxTokens { get; }

    /// <summary>Scores every prompt; <paramref name="onDone"/>(index, readout) runs as each finishes (any thread, any order).</summary>
    Task ScoreAsync(IReadOnlyList<RmPrompt> prompts, LabelTokens labels, Action<int, StepReadout> onDone, CancellationToken cancel);
}
