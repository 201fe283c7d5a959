using System.Text;
using Sift.Inference;
using Sift.Text;

namespace Sift.Serving.Text;

/// <summary>Token ids to strings for responses, tolerating ids the tokenizer lacks (padding rows of the embedding).</summary>
internal static class TokenText
{
    /// <summary>Decodes, dropping ids beyond the tokenizer's vocabulary.</summary>
    public static string Decode(ITokenizer tok, ReadOnlySpan<int> ids) => tok.DecodeKnown(ids);

    /// <summary>
    /// The string of one token as OpenAI servers report it (its decoded text), or "token_id:N" when asked for ids,
    /// when there is no tokenizer, or for an id the tokenizer lacks.
    /// </summary>
    public static string Of(ITokenizer? tok, int id, bool asId)
    {
        if (asId || tok is null || (uint)id >= (uint)tok.VocabSize)
        {
            return "token_id:" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return tok.Decode([id]);
    }

    /// <summary>UTF-8 bytes of a token's text (chat logprobs carry them).</summary>
    public static byte[] Bytes(string token) => Encoding.UTF8.GetBytes(token);
}
