namespace Sift.Text;

/// <summary>
/// Turns text into token ids and back. Every Sift tokenizer round-trips: Decode(Encode(s)) == s
/// for any valid UTF-8 string s (special tokens are only produced from text when asked for).
/// </summary>
public interface ITokenizer
{
    /// <summary>Number of ids, including added and special tokens (ids are 0 .. VocabSize-1).</summary>
    int VocabSize { get; }

    /// <summary>Beginning-of-sequence id, when the tokenizer has one.</summary>
    int? BosId { get; }

    /// <summary>End-of-sequence / document-separator id, when the tokenizer has one.</summary>
    int? EosId { get; }

    /// <summary>
    /// A stable fingerprint (SHA-256 hex of the canonical tokenizer.json) recorded in shard and
    /// score indexes so that data tokenised with one tokenizer is never read with another.
    /// </summary>
    string Fingerprint { get; }

    /// <summary>Encodes text to ids. Special-token strings in the text are matched only when <paramref name="allowSpecial"/> is true.</summary>
    int[] Encode(string text, bool allowSpecial = false);

    /// <summary>Decodes ids to text. Ids out of range throw <see cref="ArgumentOutOfRangeException"/>.</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>The string form of one token (for logprob displays); special tokens give their content.</summary>
    string IdToToken(int id);
}
