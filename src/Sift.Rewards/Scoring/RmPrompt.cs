namespace Sift.Rewards.Scoring;

/// <summary>
/// A reward-model input: the token ids to run and, for each step, the row whose output distribution holds the step's
/// label (the logits at that position predict the label token, or are read at the step tag itself).
/// </summary>
/// <param name="Text">The text that was tokenized (chat markup included; a BOS id put before its ids is not in it).</param>
/// <param name="Tokens">Token ids, exactly as the reward model sees them.</param>
/// <param name="Rows">One row per step, ascending, each &lt; Tokens.Length.</param>
internal sealed record RmPrompt(string Text, int[] Tokens, int[] Rows);

/// <summary>A record the reward-model formats cannot use; <see cref="Field"/> names the input field at fault.</summary>
internal sealed class RmInputException(string field, string message) : Sift.Core.SiftException(message)
{
    /// <summary>The input field ("question", "completion").</summary>
    public string Field { get; } = field;
}

/// <summary>Builds a format's reward-model input from a question and a solution.</summary>
internal interface IRmPromptBuilder
{
    /// <summary>The prompt; throws <see cref="RmInputException"/> for input the format cannot score.</summary>
    RmPrompt Build(string question, string completion);
}
