using System.Text.Json.Nodes;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.Text.Bpe;

namespace Sift.LlamaCpp.Tests;

/// <summary>Tiny random checkpoints of each architecture, written as Hugging Face folders with a tokenizer.</summary>
internal static class TinyCheckpoints
{
    private static readonly string[] Corpus = [.. Enumerable.Range(0, 60)
        .Select(i => $"Tom has {i % 9} apples and buys {i % 4} more. Now he has {i % 9 + i % 4} apples. The answer is {i % 13}.")];

    public static string TempDir(string name) => Directory.CreateTempSubdirectory("sift-gguf-" + name).FullName;

    /// <summary>
    /// A folder with a random model of <paramref name="arch"/>; byte-level BPE unless <paramref name="sentencePiece"/>.
    /// Row lengths are multiples of 32 so every matrix can be q8_0.
    /// </summary>
    public static LlamaConfig Write(string dir, ModelArchitecture arch, bool sentencePiece = false, RopeScaling? rope = null, bool tied = false, int layers = 2, float std = 0.3f)
    {
        Directory.CreateDirectory(dir);
        int vocab;
        int? bos = null, eos;
        if (sentencePiece)
        {
            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), SentencePieceJson(out vocab));
            bos = 1;
            eos = 2;
        }
        else
        {
            var tok = BpeTrainer.Train(Corpus, 300, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]);
            tok.SaveDirectory(dir);
            vocab = tok.VocabSize;
            eos = tok.EosId;
        }
        var config = new LlamaConfig
        {
            Architecture = arch,
            VocabSize = vocab + 5, // padded past the tokenizer, as many published models are
            HiddenSize = 64,
            IntermediateSize = 96,
            NumHiddenLayers = layers,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 16,
            MaxPositionEmbeddings = 256,
            RopeTheta = 10000f,
            RmsNormEps = 1e-5f,
            RopeScaling = rope,
            TieWordEmbeddings = tied,
            BosTokenId = bos,
            EosTokenId = eos,
            SlidingWindow = arch == ModelArchitecture.MistralForCausalLM ? 4096 : null,
        };
        using var m = new LlamaModel(config.Validate());
        m.InitRandom(11, std: std);
        if (config.Spec.QkvBias)
        {
            foreach (var t in m.Layout.Tensors.Where(t => t.Kind == ParamKind.Bias))
            {
                for (long i = 0; i < t.Length; i++)
                {
                    m.Weights.AsSpan()[(int)(t.Offset + i)] = 0.05f * (i % 7) - 0.15f;
                }
            }
        }
        // Norm gains away from 1, so a missing or misplaced norm shows.
        foreach (var t in m.Layout.Tensors.Where(t => t.Kind == ParamKind.Norm))
        {
            for (long i = 0; i < t.Length; i++)
            {
                m.Weights.AsSpan()[(int)(t.Offset + i)] = 0.8f + 0.03f * (i % 11);
            }
        }
        HfModelFolder.Save(m, dir);
        return config;
    }

    /// <summary>
    /// A SentencePiece-style BPE tokenizer.json (Llama 2 layout): &lt;unk&gt; &lt;s&gt; &lt;/s&gt;, 256 byte tokens, then
    /// pieces built by merges.
    /// </summary>
    public static string SentencePieceJson(out int vocabSize)
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int b = 0; b < 256; b++)
        {
            vocab[$"<0x{b:X2}>"] = 3 + b;
        }
        int id = 259;
        foreach (string t in new[] { "▁", "H", "e", "l", "o", "w", "r", "d", "▁H", "lo", "llo", "ello", "▁Hello", "▁w", "or", "ld", "orld", "▁world" })
        {
            vocab[t] = id++;
        }
        vocabSize = id;
        var merges = new JsonArray("▁ H", "l o", "l lo", "e llo", "▁H ello", "▁ w", "o r", "l d", "or ld", "▁w orld");
        var added = new JsonArray();
        foreach (var (tid, content) in new[] { (0, "<unk>"), (1, "<s>"), (2, "</s>") })
        {
            added.Add(new JsonObject { ["id"] = tid, ["content"] = content, ["special"] = true });
        }
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Prepend", ["prepend"] = "▁" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" }),
            },
            ["pre_tokenizer"] = null,
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Fuse" },
                    new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = "<unk>",
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        }.ToJsonString();
    }
}
