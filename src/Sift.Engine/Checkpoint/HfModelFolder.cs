using Microsoft.Win32.SafeHandles;
using Sift.Core;
using Sift.Engine.IO;
using Sift.Engine.Kernels;
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

    /// <summary>
    /// Loads config.json and the weights from <paramref name="folder"/>, resident in <paramref name="format"/>
    /// (float32 by default; bf16/f16 keep a 16-bit checkpoint as stored and round float32 ones).
    /// </summary>
    public static LlamaModel Load(string folder, WeightFormat format = WeightFormat.F32)
    {
        if (!Directory.Exists(folder))
        {
            throw new SiftException($"{folder}: model folder not found");
        }
        var config = LlamaConfig.Load(Path.Combine(folder, "config.json"));
        var model = new LlamaModel(config, format);
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
        // 16-bit weights are read with plain file reads, not through the mapping: mapped pages count in the
        // process's resident set while they are touched, which would double the peak of a large model's load.
        var handles = new Dictionary<string, SafeFileHandle>();
        try
        {
            ReadTensors(model, reader, source, handles);
        }
        finally
        {
            foreach (var h in handles.Values)
            {
                h.Dispose();
            }
        }
        CheckTiedHead(model, reader, source);
    }

    private static void ReadTensors(LlamaModel model, ShardedSafeTensors reader, string source, Dictionary<string, SafeFileHandle> handles)
    {
        foreach (var t in model.Layout.Tensors)
        {
            if (!reader.Tensors.TryGetValue(t.Name, out var info))
            {
                throw new SiftException($"{source}: tensor '{t.Name}' is missing (expected shape [{string.Join(", ", t.Shape)}] for {model.Config.Spec.Name})");
            }
            if (!info.Shape.SequenceEqual(t.Shape.Select(s => (long)s)))
            {
                throw new SiftException($"{source}: tensor '{t.Name}' has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", t.Shape)}] from config.json");
            }
            if (info.DType is not (SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.F64))
            {
                throw new SiftException($"{source}: tensor '{t.Name}' has dtype {info.DType.HeaderName()}; expected F32, F16, BF16 or F64");
            }
            var file = reader.FileOf(t.Name);
            if (model.Format != WeightFormat.F32 && !handles.ContainsKey(file.Path))
            {
                handles[file.Path] = File.OpenHandle(file.Path);
            }
            var src = new StoredTensor(file.RawPointer(t.Name), model.Format == WeightFormat.F32 ? null : handles[file.Path], info.ByteOffset, info.DType);
            var dst = new ResidentTensor(model, t);
            if (t.StoredRows is null)
            {
                dst.Write(0, src, 0, t.Length);
                continue;
            }
            long row = t.RowLength;
            for (int s = 0; s < t.StoredRows.Length; s++)
            {
                dst.Write(t.StoredRows[s] * row, src, s * row, row);
            }
        }
    }

    private static void CheckTiedHead(LlamaModel model, ShardedSafeTensors reader, string source)
    {
        var layout = model.Layout;
        // A tied checkpoint may still carry the LM head (transformers writes it only when untied); if the config
        // says tied but a distinct head is stored, the two must agree or the config is wrong.
        bool tiedLm = model.Config.Spec.Head == ModelHead.CausalLm && model.Config.TieWordEmbeddings;
        if (tiedLm && reader.Tensors.TryGetValue(layout.TiedHeadName, out var headInfo))
        {
            var embedding = layout.Tensors[0];
            if (!new ResidentTensor(model, embedding).Equals(reader.FileOf(layout.TiedHeadName).RawPointer(layout.TiedHeadName), headInfo.DType, embedding.Length))
            {
                throw new SiftException($"{source}: config.json says tie_word_embeddings=true but {layout.TiedHeadName} differs from {embedding.Name}");
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

    // A stored tensor: its mapped bytes, and a file handle for plain reads (16-bit resident models).
    private readonly struct StoredTensor(byte* mapped, SafeFileHandle? file, long fileOffset, SafeTensorsDType dtype)
    {
        public SafeTensorsDType DType => dtype;

        public byte* Mapped => mapped;

        // Reads elements [start, start + bytes.Length / size) into bytes.
        public void Read(long start, Span<byte> bytes)
        {
            long at = fileOffset + start * dtype.ElementSize();
            while (!bytes.IsEmpty)
            {
                int n = RandomAccess.Read(file!, bytes, at);
                if (n <= 0)
                {
                    throw new SiftException($"unexpected end of file reading {bytes.Length} bytes at {at}");
                }
                bytes = bytes[n..];
                at += n;
            }
        }
    }

    // One layout tensor in the model's resident format: stored elements are written as they are when the dtype
    // matches, else through float32 (rounded to nearest even into a 16-bit format).
    private readonly struct ResidentTensor(LlamaModel model, ParamTensor t)
    {
        private const int Chunk = 1 << 20;

        public void Write(long at, StoredTensor src, long start, long count)
        {
            var format = model.Format;
            var dtype = src.DType;
            if (format == WeightFormat.F32)
            {
                FloatConversions.ToFloat32(dtype, src.Mapped + start * dtype.ElementSize(), model.Weights.Ptr + t.Offset + at, count);
                return;
            }
            ushort* dst = model.HalfWeights!.Ptr + t.Offset + at;
            if (dtype == format.ToDType())
            {
                for (long i = 0; i < count; i += Chunk)
                {
                    int n = (int)Math.Min(Chunk, count - i);
                    src.Read(start + i, new Span<byte>(dst + i, 2 * n));
                }
                return;
            }
            var raw = new byte[Math.Min(count, Chunk) * dtype.ElementSize()];
            var tmp = new float[Math.Min(count, Chunk)];
            for (long i = 0; i < count; i += Chunk)
            {
                int n = (int)Math.Min(Chunk, count - i);
                src.Read(start + i, raw.AsSpan(0, n * dtype.ElementSize()));
                fixed (byte* rp = raw)
                fixed (float* tp = tmp)
                {
                    FloatConversions.ToFloat32(dtype, rp, tp, n);
                }
                FloatConversions.FromFloat32(format.ToDType(), tmp.AsSpan(0, n), new Span<byte>(dst + i, 2 * n));
            }
        }

        // Whether stored values equal the resident ones once rounded to the resident format.
        public bool Equals(byte* src, SafeTensorsDType dtype, long count)
        {
            var stored = new float[Math.Min(count, Chunk)];
            var resident = new float[stored.Length];
            var view = model.View;
            for (long i = 0; i < count; i += Chunk)
            {
                int n = (int)Math.Min(Chunk, count - i);
                fixed (float* sp = stored, rp = resident)
                {
                    FloatConversions.ToFloat32(dtype, src + i * dtype.ElementSize(), sp, n);
                    if (model.Format != WeightFormat.F32)
                    {
                        // Round the stored copy the way loading rounded the embedding.
                        var bits = new ushort[n];
                        FloatConversions.FromFloat32(model.Format.ToDType(), stored.AsSpan(0, n), System.Runtime.InteropServices.MemoryMarshal.AsBytes(bits.AsSpan()));
                        fixed (ushort* bp = bits)
                        {
                            Widen.Row(bp, sp, n, model.Format);
                        }
                    }
                    float* r = view.Floats(t.Offset + i, n, rp);
                    if (!new ReadOnlySpan<float>(sp, n).SequenceEqual(new ReadOnlySpan<float>(r, n)))
                    {
                        return false;
                    }
                }
            }
            return true;
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
        var view = model.View;
        var tensors = model.Layout.Tensors.Select(t => Source(t, view, t.Offset));
        SafeTensorsWriter.WriteSharded(folder, tensors, dtype, maxShardBytes, new Dictionary<string, string> { ["format"] = "pt" });
        cfg.Save(Path.Combine(folder, "config.json"));
    }

    // A tensor in stored order, widened to float32 for the writer: gathered row by row through StoredRows when set.
    private static TensorSource Source(ParamTensor t, WeightView view, long offset)
    {
        long[] shape = [.. t.Shape.Select(s => (long)s)];
        if (t.StoredRows is null && view.Format == WeightFormat.F32)
        {
            return TensorSource.FromPointer(t.Name, shape, view.F32 + offset);
        }
        int[]? rows = t.StoredRows;
        long rowLength = t.RowLength;
        return TensorSource.FromChunks(t.Name, shape, (start, dst) =>
        {
            fixed (float* d = dst)
            {
                for (int i = 0; i < dst.Length;)
                {
                    long e = start + i;
                    long row = e / rowLength, col = e % rowLength;
                    int n = rows is null ? dst.Length - i : (int)Math.Min(rowLength - col, dst.Length - i);
                    long from = offset + (rows is null ? e : rows[row] * rowLength + col);
                    float* src = view.Floats(from, n, d + i);
                    if (src != d + i)
                    {
                        Buffer.MemoryCopy(src, d + i, 4L * n, 4L * n);
                    }
                    i += n;
                }
            }
        });
    }
}
