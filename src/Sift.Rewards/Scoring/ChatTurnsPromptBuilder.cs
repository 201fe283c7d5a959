using Sift.Inference.Chat;
using Sift.Rewards.Steps;

namespace Sift.Rewards.Scoring;

/// <summary>
/// RLHFlow's PRM and ORM inputs (<c>math-rm/prm_evaluate.py</c> L42-67, <c>orm_evaluate.py</c> L45-57).
/// PRM: user turn <c>question + " " + step[0]</c>, assistant <c>"+"</c>, user <c>step[1]</c>, assistant <c>"+"</c>, …,
/// rendered with the model's own chat template (no generation prompt). ORM: one user turn <c>question + " " + answer</c>
/// with every <c>" ки"</c> removed, one assistant <c>"+"</c>. The whole conversation is one sequence; step k is read at the
/// row that predicts the "+" of assistant turn k. Those rows are found as in RLHFlow PR #53: the conversation up to
/// turn k is rendered and tokenized, must be a prefix of the full ids, and its last "+" id is the placeholder
/// (for Llama-3.1 that is index <c>len − 2</c>, so the row is <c>len − 3</c>).
/// </summary>
internal sealed class ChatTurnsPromptBuilder(ChatPrompt chat, LabelTokens labels, bool outcome, string? separator) : IRmPromptBuilder
{
    /// <summary>The assistant turns' content: a placeholder whose position is read.</summary>
    public const string Placeholder = "+";

    /// <inheritdoc />
    public RmPrompt Build(string question, string completion)
    {
        List<string> steps = outcome
            ? [completion.Replace(" " + StepSplitter.ShepherdTag, "", StringComparison.Ordinal)]
            : StepSplitter.Split(completion, StepSplitter.RlhFlowSeparator(completion, separator));
        if (steps.Count == 0)
        {
            throw new RmInputException("completion", "has no steps (it is empty or only whitespace)");
        }
        return BuildTurns([.. steps.Select((s, k) => k == 0 ? question + " " + s : s)]);
    }

    /// <summary>True for the ORM layout (one user turn).</summary>
    public bool Outcome => outcome;

    /// <summary>The prompt of the user turns as given (the first already holds the question), each answered by the
    /// placeholder: the one rendering both scoring and training use.</summary>
    public RmPrompt BuildTurns(IReadOnlyList<string> users)
    {
        var messages = new List<ChatMessageIn>(2 * users.Count);
        foreach (string u in users)
        {
            messages.Add(new ChatMessageIn("user", u));
            messages.Add(new ChatMessageIn("assistant", Placeholder));
        }
        var steps = users;
        int[] full = chat.Encode(messages, addGenerationPrompt: false, continueFinal: false);
        var rows = new int[steps.Count];
        int from = 0;
        for (int k = 0; k < steps.Count; k++)
        {
            int[] prefix = k == steps.Count - 1 ? full : chat.Encode(messages.GetRange(0, 2 * k + 2), addGenerationPrompt: false, continueFinal: false);
            if (!full.AsSpan().StartsWith(prefix))
            {
                throw new RmInputException("completion", $"step {k + 1}: the conversation up to this step does not tokenize as a prefix of the whole conversation, so its label position is ambiguous (the chat template or tokenizer merges across turns)");
            }
            int at = Array.LastIndexOf(prefix, labels.Good);
            if (at < from || at < 1)
            {
                throw new RmInputException("completion", $"step {k + 1}: the assistant turn's \"{Placeholder}\" is not the label token id {labels.Good} after tokenization (the template or tokenizer merges it with its neighbours)");
            }
            rows[k] = at - 1;
            from = prefix.Length;
        }
        return new RmPrompt(chat.Render(messages, addGenerationPrompt: false, continueFinal: false), full, rows);
    }
}
