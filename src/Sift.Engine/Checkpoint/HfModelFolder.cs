using Sift.Core;
using Sift.Engine.IO;
using Sift.Engine.Model;

namespace Sift.Engine.Checkpoint;

/// <summary>
/// Reads and writes Hugging Face model folders: <c>config.json</c> + <c>model.safetensors</c> (or sharded
/// with <c>model.safetensors.index.json</c>), HF tensor names, F32/F16/BF16. A folder written here loads in
/// transformers' LlamaForCausalLM; a TinyLlama folder from the Hub loads here unchanged.
/// </summary>
public static unsafe class HfModelFolder
{
    /// <summary>Default shard size when writing (HF's own default is 5 GB; we use 2 GB).</summary>
    public const long DefaultMaxShardBytes = 2L << 30;

    /// <summary>Loads config.json and the weights from <paramref name="folder"/>.</summary>
    public static LlamaModel Load(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new SiftException($"{folder}: model folder not found");
        }
        var config = LlamaConfig.Load(Path.Combine(folder, "config.json"));
        var model = new LlamaModel(config);
        try
        {
            using var st = ShardedSafeTensors.Open(folder);
            LoadWeights(model, st, folder);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Copies every tensor of the layout from <paramref name="reader"/>, checking names and shapes.</summary>
    public static void LoadWeights(LlamaModel model, ShardedSafeTensors reader, string source)
    {
        var layout = model.Layout;
        foreach (var t in layout.Tensors)
        {
            if (!reader.Tensors.TryGetValue(t.Name, out var info))
            {
                throw new SiftException($"{source}: tensor '{t.Name}' is missing (expected shape [{string.Join(", ", t.Shape)}])");
            }
            if (!info.Shape.SequenceEqual(t.Shape.Select(s => (long)s)))
            {
                throw new SiftException($"{source}: tensor '{t.Name}' has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", t.Shape)}] from config.json");
            }
            reader.ReadAsFloat32(t.Name, model.Weights.Ptr + t.Offset, t.Length);
        }
        // A tied checkpoint may still carry lm_head.weight (transformers writes it only when untied); if the
        // config says tied but a distinct head is stored, the two must agree or the config is wrong.
        if (model.Config.TieWordEmbeddings && reader.Tensors.ContainsKey("lm_head.weight"))
        {
            var head = reader.ReadAsFloat32("lm_head.weight");
            var emb = new ReadOnlySpan<float>(model.Weights.Ptr + layout.Embedding, head.Length);
            if (!emb.SequenceEqual(head))
            {
                throw new SiftException($"{source}: config.json says tie_word_embeddings=true but lm_head.weight differs from model.embed_tokens.weight");
            }
        }
        var known = layout.Tensors.Select(t => t.Name).Append("lm_head.weight").ToHashSet();
        var unexpected = reader.Tensors.Keys.Where(k => !known.Contains(k) && !k.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)).ToList();
        if (unexpected.Count > 0)
        {
            throw new SiftException($"{source}: unexpected tensors not in the Llama layout: {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", ..." : "")}");
        }
    }

    /// <summary>
    /// Writes config.json and the weights (atomically, file by file) into <paramref name="folder"/>.
    /// </summary>
    public static void Save(LlamaModel model, string folder, SafeTensorsDType dtype = SafeTensorsDType.F32, long maxShardBytes = DefaultMaxShardBytes)
    {
        Directory.CreateDirectory(folder);
        var cfg = model.Config with { TorchDtype = dtype switch { SafeTensorsDType.F16 => "float16", SafeTensorsDType.BF16 => "bfloat16", _ => "float32" } };
        var tensors = model.Layout.Tensors.Select(t => TensorSource.FromPointer(t.Name, t.Shape.Select(s => (long)s).ToArray(), model.Weights.Ptr + t.Offset));
        SafeTensorsWriter.WriteSharded(folder, tensors, dtype, maxShardBytes, new Dictionary<string, string> { ["format"] = "pt" });
        cfg.Save(Path.Combine(folder, "config.json"));
    }
}
