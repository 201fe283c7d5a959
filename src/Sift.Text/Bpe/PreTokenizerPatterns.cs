using System.Text.RegularExpressions;

namespace Sift.Text.Bpe;

/// <summary>The pre-tokenisation regexes of the common byte-level BPE families.</summary>
public static class PreTokenizerPatterns
{
    /// <summary>GPT-2's pattern (also what HF's ByteLevel pre-tokenizer uses with use_regex = true).</summary>
    public const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Llama 3 / Qwen2's pattern: case-insensitive contractions, numbers split into 1-3 digits.</summary>
    public const string Llama3 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Compiles a pre-tokenisation pattern the way every Sift tokenizer uses it.</summary>
    public static Regex Compile(string pattern) =>
        new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
}
