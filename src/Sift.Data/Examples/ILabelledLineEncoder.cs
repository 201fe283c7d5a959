namespace Sift.Data.Examples;

/// <summary>
/// A reward-model input as its scorer builds it: the token ids, the rows whose logits the scorer reads (ascending),
/// and each row's label (true = the positive label token).
/// </summary>
/// <param name="Tokens">Token ids, exactly as the scorer runs them.</param>
/// <param name="Rows">Read positions, one per label, ascending, each &lt; Tokens.Length.</param>
/// <param name="Labels">Per row, true for a good step (or a correct solution).</param>
public sealed record LabelledPrompt(int[] Tokens, int[] Rows, bool[] Labels);

/// <summary>
/// Turns one JSONL line into a <see cref="LabelledPrompt"/> for the prm and orm example kinds. Implemented where the
/// reward-model prompt builders live (Sift.Rewards), so the packed prompt is the scorer's, byte for byte.
/// </summary>
public interface ILabelledLineEncoder
{
    /// <summary>The positive label's token id.</summary>
    int PositiveId { get; }

    /// <summary>The negative label's token id.</summary>
    int NegativeId { get; }

    /// <summary>The reward-model format name recorded in examples.json (e.g. "math-shepherd").</summary>
    string Format { get; }

    /// <summary>Parses and encodes one line; errors name <paramref name="where"/> (file:line) and the field.</summary>
    LabelledPrompt Encode(string json, string where);
}
