using Sift.Text;
using Sift.Text.Bpe;

namespace Sift.LlamaCpp.Gguf;

/// <summary>
/// The tokenizer.ggml.* metadata llama.cpp reads, from a Hugging Face BPE tokenizer: "gpt2" for byte-level BPE
/// (tokens, merges), "llama" for SentencePiece-style BPE with byte fallback (tokens, scores). The vocabulary is padded
/// to the model's vocab_size with unused "[PADn]" tokens, as convert_hf_to_gguf.py does.
/// </summary>
internal static class GgufTokenizerMetadata
{
    // llama.cpp's llama_token_type numbers.
    private const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, ByteToken = 6;

    public static void Add(GgufWriter w, HfTokenizer tok, int vocabSize, int? bos, int? eos, int? pad)
    {
        bool byteLevel = tok.IsByteLevel;
        w.Add("tokenizer.ggml.model", GgufValue.Str(byteLevel ? "gpt2" : "llama"));
        if (byteLevel)
        {
            w.Add("tokenizer.ggml.pre", GgufValue.Str(PreType(tok.PreTokenizerPattern)));
        }
        var added = tok.AddedTokens.ToDictionary(a => a.Id);
        int? unk = tok.UnkToken is { } u ? tok.TokenToId(u) : null;
        var tokens = new string[vocabSize];
        var types = new int[vocabSize];
        for (int i = 0; i < vocabSize; i++)
        {
            string? text = i < tok.VocabSize ? tok.IdToToken(i) : null;
            if (text is null)
            {
                tokens[i] = $"[PAD{i}]";
                types[i] = Unused;
                continue;
            }
            tokens[i] = text;
            types[i] = added.TryGetValue(i, out var a) ? (a.Special ? Control : UserDefined)
                : i == unk ? Unknown
                : !byteLevel && IsByteToken(text) ? ByteToken
                : Normal;
        }
        w.Add("tokenizer.ggml.tokens", GgufValue.Strings(tokens));
        w.Add("tokenizer.ggml.token_type", GgufValue.Ints(types));
        if (byteLevel)
        {
            w.Add("tokenizer.ggml.merges", GgufValue.Strings([.. tok.Merges.Select(m => $"{m.Left} {m.Right}")]));
        }
        else
        {
            w.Add("tokenizer.ggml.scores", GgufValue.Floats(MergeScores(tok, vocabSize)));
        }
        if (bos is int b)
        {
            w.Add("tokenizer.ggml.bos_token_id", GgufValue.U32((uint)b));
        }
        if (eos is int e)
        {
            w.Add("tokenizer.ggml.eos_token_id", GgufValue.U32((uint)e));
        }
        if (unk is int k)
        {
            w.Add("tokenizer.ggml.unknown_token_id", GgufValue.U32((uint)k));
        }
        if (pad is int p)
        {
            w.Add("tokenizer.ggml.padding_token_id", GgufValue.U32((uint)p));
        }
        w.Add("tokenizer.ggml.add_bos_token", GgufValue.Bool(tok.AddsBos));
        w.Add("tokenizer.ggml.add_eos_token", GgufValue.Bool(tok.AddsEos));
        if (tok.ChatTemplate is { } template)
        {
            w.Add("tokenizer.chat_template", GgufValue.Str(template));
        }
    }

    // llama.cpp's SentencePiece tokenizer merges the adjacent pair whose concatenation has the highest score; BPE
    // applies the lowest-ranked merge first. Score −rank orders them the same way.
    private static float[] MergeScores(HfTokenizer tok, int vocabSize)
    {
        var scores = new float[vocabSize];
        var seen = new bool[vocabSize];
        for (int rank = 0; rank < tok.Merges.Count; rank++)
        {
            var (l, r) = tok.Merges[rank];
            if (tok.TokenToId(l + r) is int id && id < vocabSize && !seen[id])
            {
                seen[id] = true;
                scores[id] = -rank;
            }
        }
        return scores;
    }

    private static bool IsByteToken(string t) => t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>';

    // llama.cpp picks its pre-tokenizer regex by this name; only the patterns Sift knows exactly are named.
    private static string PreType(string? pattern) => pattern switch
    {
        PreTokenizerPatterns.Gpt2 => "gpt-2",
        PreTokenizerPatterns.Llama3 => "llama-bpe",
        _ => "default",
    };
}
