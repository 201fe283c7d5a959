using Sift.Core;
using Sift.Engine.IO;
using Sift.Engine.Model;

namespace Sift.Engine.Checkpoint;

/// <summary>
/// Reads and writes Hugging Face model folders: <c>config.json</c> + <c>model.safetensors</c> (or sharded
/// with <c>model.safetensors.index.json</c>), each architecture's published tensor names, F32/F16/BF16.
/// A folder written here loads in transformers (InternLM2 with its remote code); a folder from the Hub loads
/// here unchanged. Tensors whose stored row order differs from the engine's (InternLM2's grouped wqkv) are
/// permuted on the way in and back on the way out.
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
        float[]? rowBuffer = null;
        foreach (var t in layout.Tensors)
        {
            if (!reader.Tensors.TryGetValue(t.Name, out var info))
            {
                throw new SiftException($"{source}: tensor '{t.Name}' is missing (expected shape [{string.Join(", ", t.Shape)}] for {model.Config.Spec.Name})");
            }
            if (!info.Shape.SequenceEqual(t.Shape.Select(s => (long)s)))
            {
                throw new SiftException($"{source}: tensor '{t.Name}' has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", t.Shape)}] from config.json");
            }
            float* dst = model.Weights.Ptr + t.Offset;
            if (t.StoredRows is null)
            {
                reader.ReadAsFloat32(t.Name, dst, t.Length);
                continue;
            }
            rowBuffer = rowBuffer is not null && rowBuffer.Length >= t.Length ? rowBuffer : new float[t.Length];
            var stored = rowBuffer.AsSpan(0, checked((int)t.Length));
            reader.ReadAsFloat32(t.Name, stored);
            int row = (int)t.RowLength;
            for (int s = 0; s < t.StoredRows.Length; s++)
            {
                stored.Slice(s * row, row).CopyTo(new Span<float>(dst + (long)t.StoredRows[s] * row, row));
            }
        }
        // A tied checkpoint may still carry the LM head (transformers writes it only when untied); if the config
        // says tied but a distinct head is stored, the two must agree or the config is wrong.
        bool tiedLm = model.Config.Spec.Head == ModelHead.CausalLm && model.Config.TieWordEmbeddings;
        if (tiedLm && reader.Tensors.ContainsKey(layout.TiedHeadName))
        {
            var head = reader.ReadAsFloat32(layout.TiedHeadName);
            var emb = new ReadOnlySpan<float>(model.Weights.Ptr + layout.Embedding, head.Length);
            if (!emb.SequenceEqual(head))
            {
                throw new SiftException($"{source}: config.json says tie_word_embeddings=true but {layout.TiedHeadName} differs from {layout.Tensors[0].Name}");
            }
        }
        var known = layout.Tensors.Select(t => t.Name).ToHashSet();
        if (tiedLm)
        {
            known.Add(layout.TiedHeadName);
        }
        var unexpected = reader.Tensors.Keys.Where(k => !known.Contains(k) && !k.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)).ToList();
        if (unexpected.Count > 0)
        {
            throw new SiftException($"{source}: unexpected tensors not in the {model.Config.Spec.Name} layout: {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", ..." : "")}");
        }
    }

    /// <summary>
    /// Writes config.json and the weights (atomically, file by file) into <paramref name="folder"/>, under the
    /// architecture's published names and row order.
    /// </summary>
    public static void Save(LlamaModel model, string folder, SafeTensorsDType dtype = SafeTensorsDType.F32, long maxShardBytes = DefaultMaxShardBytes)
    {
        Directory.CreateDirectory(folder);
        var cfg = model.Config with { TorchDtype = dtype switch { SafeTensorsDType.F16 => "float16", SafeTensorsDType.BF16 => "bfloat16", _ => "float32" } };
        var tensors = model.Layout.Tensors.Select(t => Source(t, model.Weights.Ptr + t.Offset));
        SafeTensorsWriter.WriteSharded(folder, tensors, dtype, maxShardBytes, new Dictionary<string, string> { ["format"] = "pt" });
        cfg.Save(Path.Combine(folder, "config.json"));
    }

    // A tensor in stored order: straight from the buffer, or gathered row by row through StoredRows.
    private static TensorSource Source(ParamTensor t, float* data)
    {
        long[] shape = [.. t.Shape.Select(s => (long)s)];
        if (t.StoredRows is not int[] rows)
        {
            return TensorSource.FromPointer(t.Name, shape, data);
        }
        nint address = (nint)data;
        long rowLength = t.RowLength;
        return TensorSource.FromChunks(t.Name, shape, (offset, dst) =>
        {
            float* src = (float*)address;
            for (int i = 0; i < dst.Length;)
            {
                long e = offset + i;
                long row = e / rowLength, col = e % rowLength;
                int n = (int)Math.Min(rowLength - col, dst.Length - i);
                new ReadOnlySpan<float>(src + rows[row] * rowLength + col, n).CopyTo(dst.Slice(i, n));
                i += n;
            }
        });
    }
}
