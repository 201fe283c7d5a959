using Sift.Core;

namespace Sift.Engine.Model;

/// <summary>Named model shapes used by the benchmark, the demo and the tests.</summary>
public static class ModelPresets
{
    /// <summary>~1M parameters: vocab 1024, d 128, 4 layers, 4 heads, 4 kv heads, ffn 384.</summary>
    public static LlamaConfig Tiny { get; } = new LlamaConfig
    {
        VocabSize = 1024,
        HiddenSize = 128,
        IntermediateSize = 384,
        NumHiddenLayers = 4,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 4,
        HeadDim = 32,
        MaxPositionEmbeddings = 256,
        TieWordEmbeddings = true,
        BosTokenId = null,
        EosTokenId = 0,
    };

    /// <summary>~10M parameters: vocab 4096, d 384, 6 layers, 6 heads, 2 kv heads, ffn 1024.</summary>
    public static LlamaConfig Small { get; } = new LlamaConfig
    {
        VocabSize = 4096,
        HiddenSize = 384,
        IntermediateSize = 1024,
        NumHiddenLayers = 6,
        NumAttentionHeads = 6,
        NumKeyValueHeads = 2,
        HeadDim = 64,
        MaxPositionEmbeddings = 256,
        TieWordEmbeddings = true,
        EosTokenId = 0,
    };

    /// <summary>TinyLlama-1.1B's shape (untied head, GQA 32/4, vocab 32000).</summary>
    public static LlamaConfig TinyLlama1B { get; } = new LlamaConfig
    {
        VocabSize = 32000,
        HiddenSize = 2048,
        IntermediateSize = 5632,
        NumHiddenLayers = 22,
        NumAttentionHeads = 32,
        NumKeyValueHeads = 4,
        HeadDim = 64,
        MaxPositionEmbeddings = 2048,
        RmsNormEps = 1e-5f,
        RopeTheta = 10000f,
        TieWordEmbeddings = false,
        BosTokenId = 1,
        EosTokenId = 2,
        TorchDtype = "bfloat16",
    };

    /// <summary>Looks a preset up by name ("tiny", "small", "tinyllama-1.1b"); null when unknown.</summary>
    public static LlamaConfig? Find(string name) => name.ToLowerInvariant() switch
    {
        "tiny" => Tiny,
        "small" => Small,
        "tinyllama" or "tinyllama-1.1b" => TinyLlama1B,
        _ => null,
    };

    /// <summary>A preset by name, or a config.json path (or a model folder holding one).</summary>
    public static LlamaConfig Resolve(string nameOrPath)
    {
        if (Find(nameOrPath) is LlamaConfig c)
        {
            return c;
        }
        string path = Directory.Exists(nameOrPath) ? Path.Combine(nameOrPath, "config.json") : nameOrPath;
        if (!File.Exists(path))
        {
            throw new SiftException($"model config '{nameOrPath}': not a preset (tiny, small, tinyllama-1.1b) and no such file");
        }
        return LlamaConfig.Load(path);
    }
}
