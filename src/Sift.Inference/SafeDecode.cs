using Sift.Text;

namespace Sift.Inference;

/// <summary>
/// Decoding generated ids when the model's vocabulary is larger than the tokenizer's (padded embedding rows, or a
/// tokenizer that learned fewer merges than vocab_size): ids the tokenizer lacks decode to nothing instead of throwing.
/// </summary>
public static class SafeDecode
{
    /// <summary>Decodes, dropping ids beyond the tokenizer's vocabulary.</summary>
    public static string DecodeKnown(this ITokenizer tok, ReadOnlySpan<int> ids)
    {
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)tok.VocabSize)
            {
                var kept = new List<int>(ids.Length);
                foreach (int i in ids)
                {
                    if ((uint)i < (uint)tok.VocabSize)
                    {
                        kept.Add(i);
                    }
                }
                return tok.Decode(kept.ToArray());
            }
        }
        return tok.Decode(ids);
    }
}
