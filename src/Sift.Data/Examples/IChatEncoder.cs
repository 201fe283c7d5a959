namespace Sift.Data.Examples;

/// <summary>One chat message.</summary>
/// <param name="Role">system, user or assistant.</param>
/// <param name="Content">The text.</param>
public sealed record ChatTurn(string Role, string Content);

/// <summary>
/// Renders chat messages with a model's chat template and tokenizes the result (as Hugging Face's
/// <c>apply_chat_template(tokenize=True)</c>: special tokens in the text are matched, nothing else is added).
/// The packer needs only this; the command line supplies the template renderer.
/// </summary>
public interface IChatEncoder
{
    /// <summary>Token ids of <paramref name="messages"/>; with <paramref name="addGenerationPrompt"/> the assistant header follows.</summary>
    int[] Encode(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt);
}
