using System.Security.Cryptography;
using System.Text;
using Sift.Text;

namespace Sift.LlamaCpp.Backend;

/// <summary>
/// llama.cpp's tokenizer of a GGUF file as a Sift <see cref="ITokenizer"/>, so text prompts, stop strings, chat
/// templates and token strings work the same over llama.cpp as over a model folder. Special tokens decode to nothing
/// (as servers skip them).
/// </summary>
internal sealed class LlamaCppTokenizer(LlamaCppModel model, string fingerprint) : ITokenizer
{
    public int VocabSize => model.VocabSize;

    public int? BosId => model.BosId;

    public int? EosId => model.EosId;

    public string Fingerprint { get; } = fingerprint;

    public int[] Encode(string text, bool allowSpecial = false) => model.Tokenize(text, addSpecial: false, parseSpecial: allowSpecial);

    public string Decode(ReadOnlySpan<int> ids)
    {
        foreach (int id in ids)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)id, (uint)VocabSize, nameof(ids));
        }
        return model.Detokenize(ids.ToArray());
    }

    public string IdToToken(int id) => Decode([id]);

    /// <summary>SHA-256 hex of the GGUF's tokenizer metadata (tokenizer.ggml.* keys, in key order).</summary>
    public static string FingerprintOf(Gguf.GgufFile header)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (key, value) in header.Metadata.Where(kv => kv.Key.StartsWith("tokenizer.ggml.", StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(key));
            string v = value.Value switch
            {
                Array a => string.Join('\u0001', a.Cast<object>().Select(e => Convert.ToString(e, System.Globalization.CultureInfo.InvariantCulture))),
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                var o => o.ToString() ?? "",
            };
            sha.AppendData(Encoding.UTF8.GetBytes(v));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
