using Sift.Text;
using Sift.Text.Bpe;

namespace Sift.Rewards.Tests.Support;

/// <summary>Small byte-level BPE tokenizers trained in the test.</summary>
internal static class Tokenizers
{
    private static HfTokenizer? _llama;

    /// <summary>A tokenizer with the Llama-3.1 specials (BOS &lt;|begin_of_text|&gt;), trained on math-ish text.</summary>
    public static HfTokenizer Llama3Like => _llama ??= BpeTrainer.Train(
        Enumerable.Range(0, 40).Select(i => $"Janet has {i % 7} apples and buys {i % 3} more. Step {i % 4}: {i % 7} + {i % 3} = {i % 7 + i % 3}. ки\nThe answer is: {i} ки"),
        400, ["<|endoftext|>", .. Llama31.Specials]);
}
