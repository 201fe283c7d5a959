using Sift.Inference.Chat;
using Sift.Text;

namespace Sift.Rewards.Integrative;

/// <summary>
/// The k token prompts x_j = ChatTemplate(T(question, r_j)) (§6.1 step 2): the template around each earlier answer,
/// rendered as one user turn with the generation prompt when a chat template is given, encoded, BOS first when the
/// model has one and the text does not already start with it.
/// </summary>
internal sealed class IntegrativeInputs(ITokenizer tokenizer, int? bos, ChatPrompt? chat, string instruction = IntegrativePrompt.DefaultInstruction)
{
    /// <summary>The text of prompt j before encoding.</summary>
    public string Text(string question, string answer)
    {
        string t = IntegrativePrompt.Build(question, answer, instruction);
        return chat is null ? t : chat.Render([new ChatMessageIn("user", t)], addGenerationPrompt: true, continueFinal: false);
    }

    /// <summary>One token prompt per answer.</summary>
    public int[][] Build(string question, IReadOnlyList<string> answers) => [.. answers.Select(a => Encode(Text(question, a)))];

    /// <summary>The question alone, as a sampling prompt for drawing the earlier answers (§6.1 step 1).</summary>
    public string QuestionText(string question) =>
        chat is null ? question : chat.Render([new ChatMessageIn("user", question)], addGenerationPrompt: true, continueFinal: false);

    /// <summary>The stop ids: EOS, and the chat template's stop strings that are single tokens.</summary>
    public IReadOnlyCollection<int> StopTokens(int? eos)
    {
        var s = new HashSet<int>();
        if (eos is int e)
        {
            s.Add(e);
        }
        foreach (string stop in chat?.Stops ?? [])
        {
            if (tokenizer.Encode(stop, allowSpecial: true) is [int id])
            {
                s.Add(id);
            }
        }
        return s;
    }

    private int[] Encode(string text)
    {
        var ids = tokenizer.Encode(text, allowSpecial: chat is not null);
        return bos is int b && (ids.Length == 0 || ids[0] != b) ? [b, .. ids] : ids;
    }
}
