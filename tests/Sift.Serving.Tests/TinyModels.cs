using System.Text.Json.Nodes;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.Text.Bpe;

namespace Sift.Serving.Tests;

/// <summary>Tiny random Llama models written as HF folders, with or without a trained BPE tokenizer.</summary>
internal static class TinyModels
{
    public static readonly string[] Corpus = Enumerable.Range(0, 60)
        .Select(i => $"Tom has {i % 9} apples and buys {i % 4} more. Now he has {i % 9 + i % 4} apples. The answer is {i % 13}.")
        .ToArray();

    /// <summary>A model folder; the tokenizer (when asked for) has specials &lt;|endoftext|&gt; (0), &lt;|im_start|&gt;, &lt;|im_end|&gt;.</summary>
    public static string Create(string dir, bool tokenizer = true, string? chatTemplate = null, int maxPositions = 128, int seed = 7)
    {
        Directory.CreateDirectory(dir);
        int vocab = 300;
        if (tokenizer)
        {
            var tok = BpeTrainer.Train(Corpus, vocab, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]);
            tok.SaveDirectory(dir);
            if (chatTemplate is not null)
            {
                string cfgPath = Path.Combine(dir, "tokenizer_config.json");
                var cfg = JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject();
                cfg["chat_template"] = chatTemplate;
                File.WriteAllText(cfgPath, cfg.ToJsonString());
            }
        }
        var config = new LlamaConfig
        {
            VocabSize = vocab,
            HiddenSize = 32,
            IntermediateSize = 64,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 8,
            MaxPositionEmbeddings = maxPositions,
            TieWordEmbeddings = true,
        };
        using var m = new LlamaModel(config);
        m.InitRandom((ulong)seed, std: 0.3f);
        HfModelFolder.Save(m, dir);
        return dir;
    }

    public static string TempDir(string name) => Directory.CreateTempSubdirectory("sift-serve-" + name).FullName;
}
