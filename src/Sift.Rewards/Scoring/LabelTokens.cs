using Sift.Core;
using Sift.Text;

namespace Sift.Rewards.Scoring;

/// <summary>The ids of the positive and negative label tokens; a step's score is P(good) / (P(good) + P(bad)).</summary>
/// <param name="Good">Positive label id.</param>
/// <param name="Bad">Negative label id.</param>
internal sealed record LabelTokens(int Good, int Bad)
{
    /// <summary>
    /// Each label must be exactly one id of the tokenizer (RLHFlow takes <c>encode(x)[-1]</c>, which for Llama-3's
    /// "+" and "-" is that one id); a label split into several ids cannot be read from one distribution.
    /// </summary>
    public static LabelTokens Single(ITokenizer tok, string good, string bad, string goodOption = "--good", string badOption = "--bad")
    {
        int g = One(tok, good, goodOption), b = One(tok, bad, badOption);
        return g == b ? throw new SiftException($"{goodOption} '{good}' and {badOption} '{bad}' are the same token id {g}") : new LabelTokens(g, b);
    }

    /// <summary>Math-Shepherd's model card: <c>encode("+ -")[1:]</c> (after BOS), i.e. the two ids of "+ -" (Mistral: 648, 387).</summary>
    public static LabelTokens ShepherdPair(ITokenizer tok)
    {
        int[] ids = tok.Encode("+ -");
        return ids.Length == 2 && ids[0] != ids[1] ? new LabelTokens(ids[0], ids[1])
            : throw new SiftException($"math-shepherd labels: the tokenizer encodes \"+ -\" as {ids.Length} ids [{string.Join(", ", ids)}]; the model card expects two (Mistral: 648, 387). For another tokenizer use --format tagged with --good and --bad");
    }

    private static int One(ITokenizer tok, string label, string option)
    {
        if (label.Length == 0)
        {
            throw new SiftException($"{option}: the label is empty");
        }
        int[] ids = tok.Encode(label);
        return ids.Length == 1 ? ids[0]
            : throw new SiftException($"{option} '{label}': the tokenizer splits it into {ids.Length} ids [{string.Join(", ", ids)}]; a label must be one token (try it with or without a leading space)");
    }
}
