using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sift.Core.IO;

namespace Sift.Engine.IO;

/// <summary>
/// Writes safetensors files from float32 data, converting to F32, F16 or BF16 (round to nearest even).
/// Layout: tensors sorted by name (ordinal) in both the header and the data; header padded with spaces
/// so the data starts at an 8-byte boundary; "__metadata__" carries {"format": "pt"} unless overridden.
/// Files are written to a temporary name beside the target, fsynced, then renamed: a failure (including
/// a throwing data source) leaves any existing file untouched.
/// </summary>
public static class SafeTensorsWriter
{
    /// <summary>Elements converted and written per chunk (4 MB of float32).</summary>
    private const int ChunkElements = 1 << 20;

    /// <summary>Writes one file from in-memory tensors.</summary>
    public static void Write(string path, IEnumerable<(string Name, long[] Shape, ReadOnlyMemory<float> Data)> tensors,
        SafeTensorsDType dtype, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Write(path, tensors.Select(t => TensorSource.FromMemory(t.Name, t.Shape, t.Data)), dtype, metadata);
    }

    /// <summary>Writes one file, streaming each tensor's data from its source.</summary>
    public static void Write(string path, IEnumerable<TensorSource> tensors, SafeTensorsDType dtype,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        List<TensorSource> sorted = Prepare(tensors, dtype);
        string full = Path.GetFullPath(path);
        string tmp = WriteTemp(full, sorted, dtype, metadata);
        Commit(tmp, full);
    }

    /// <summary>
    /// Writes a Hugging Face checkpoint into <paramref name="folder"/>: a single model.safetensors when the
    /// tensor data fits in <paramref name="maxShardBytes"/>, otherwise model-0000i-of-0000n.safetensors shards
    /// (filled greedily in name order; a tensor larger than the limit gets a shard of its own) plus
    /// model.safetensors.index.json. Files of the other layout left from an earlier write are deleted
    /// afterwards, so loaders never see a stale checkpoint. Returns the file names written.
    /// </summary>
    public static IReadOnlyList<string> WriteSharded(string folder, IEnumerable<TensorSource> tensors, SafeTensorsDType dtype,
        long maxShardBytes, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        List<TensorSource> sorted = Prepare(tensors, dtype);
        string dir = Path.GetFullPath(folder);
        Directory.CreateDirectory(dir);
        int size = dtype.ElementSize();

        long total = sorted.Sum(t => t.ElementCount * size);
        if (total <= maxShardBytes)
        {
            string single = Path.Combine(dir, SafeTensorsNames.SingleFile);
            Commit(WriteTemp(single, sorted, dtype, metadata), single);
            DeleteStale(dir, keep: [SafeTensorsNames.SingleFile]);
            return [SafeTensorsNames.SingleFile];
        }

        List<List<TensorSource>> groups = PackShards(sorted, size, maxShardBytes);
        var names = new List<string>();
        var temps = new List<(string Tmp, string Final)>();
        try
        {
            for (int i = 0; i < groups.Count; i++)
            {
                string name = SafeTensorsNames.Shard(i + 1, groups.Count);
                string final = Path.Combine(dir, name);
                temps.Add((WriteTemp(final, groups[i], dtype, metadata), final));
                names.Add(name);
            }
        }
        catch
        {
            foreach (var (tmp, _) in temps)
            {
                TryDelete(tmp);
            }

            throw;
        }

        // All shard data is on disk; the renames and the index write are quick, keeping the window in
        // which an old index could point at a mix of old and new shards as small as possible.
        foreach (var (tmp, final) in temps)
        {
            Commit(tmp, final);
        }

        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < groups.Count; i++)
        {
            foreach (TensorSource t in groups[i])
            {
                weightMap.Add(t.Name, names[i]);
            }
        }

        string indexPath = Path.Combine(dir, SafeTensorsNames.IndexFile);
        AtomicFile.WriteAllText(indexPath, BuildIndexJson(total, weightMap));
        names.Add(SafeTensorsNames.IndexFile);
        DeleteStale(dir, keep: names);
        return names;
    }

    /// <summary>Builds the header bytes, padded with spaces to a multiple of 8 (exposed for tests).</summary>
    internal static byte[] BuildHeader(IReadOnlyList<TensorSource> sorted, SafeTensorsDType dtype,
        IReadOnlyDictionary<string, string>? metadata)
    {
        var meta = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        if (metadata != null)
        {
            foreach (var (k, v) in metadata)
            {
                meta[k] = v ?? throw new ArgumentException($"metadata value for '{k}' is null", nameof(metadata));
            }
        }

        var buffer = new ArrayBufferWriter<byte>();
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
        using (var w = new Utf8JsonWriter(buffer, options))
        {
            w.WriteStartObject();
            w.WriteStartObject(SafeTensorsHeader.MetadataKey);
            foreach (var (k, v) in meta)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            long offset = 0;
            int size = dtype.ElementSize();
            foreach (TensorSource t in sorted)
            {
                long bytes = t.ElementCount * size;
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", dtype.HeaderName());
                w.WriteStartArray("shape");
                foreach (long d in t.Shape)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }

            w.WriteEndObject();
        }

        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static List<TensorSource> Prepare(IEnumerable<TensorSource> tensors, SafeTensorsDType dtype)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (dtype is not (SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16))
        {
            throw new ArgumentException($"the writer stores F32, F16 or BF16, not {dtype.HeaderName()}", nameof(dtype));
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors writing assumes a little-endian machine");
        }

        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (TensorSource t in list)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tensors));
            if (t.Name == SafeTensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"'{SafeTensorsHeader.MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
            }

            if (!names.Add(t.Name))
            {
                throw new ArgumentException($"tensor '{t.Name}' is listed twice", nameof(tensors));
            }
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    private static List<List<TensorSource>> PackShards(List<TensorSource> sorted, int elementSize, long maxShardBytes)
    {
        var groups = new List<List<TensorSource>>();
        var current = new List<TensorSource>();
        long currentBytes = 0;
        foreach (TensorSource t in sorted)
        {
            long bytes = t.ElementCount * elementSize;
            if (current.Count > 0 && currentBytes + bytes > maxShardBytes)
            {
                groups.Add(current);
                current = [];
                currentBytes = 0;
            }

            current.Add(t);
            currentBytes += bytes;
        }

        if (current.Count > 0)
        {
            groups.Add(current);
        }

        return groups;
    }

    /// <summary>Writes the whole file to a temporary name beside <paramref name="finalPath"/>, fsynced; returns that name.</summary>
    private static string WriteTemp(string finalPath, List<TensorSource> sorted, SafeTensorsDType dtype,
        IReadOnlyDictionary<string, string>? metadata)
    {
        byte[] header = BuildHeader(sorted, dtype, metadata);
        string dir = Path.GetDirectoryName(finalPath) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(finalPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            Span<byte> lengthPrefix = stackalloc byte[8];
            BitConverter.TryWriteBytes(lengthPrefix, (ulong)header.Length);
            fs.Write(lengthPrefix);
            fs.Write(header);
            WriteData(fs, sorted, dtype);
            fs.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }

        return tmp;
    }

    private static void WriteData(Stream output, List<TensorSource> sorted, SafeTensorsDType dtype)
    {
        int size = dtype.ElementSize();
        long largest = sorted.Count == 0 ? 0 : sorted.Max(t => t.ElementCount);
        int chunk = (int)Math.Min(ChunkElements, Math.Max(1, largest));
        float[] floats = ArrayPool<float>.Shared.Rent(chunk);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(chunk * size);
        try
        {
            foreach (TensorSource t in sorted)
            {
                for (long start = 0; start < t.ElementCount; start += chunk)
                {
                    int n = (int)Math.Min(chunk, t.ElementCount - start);
                    Span<float> f = floats.AsSpan(0, n);
                    t.Read(start, f);
                    Span<byte> b = bytes.AsSpan(0, n * size);
                    FloatConversions.FromFloat32(dtype, f, b);
                    output.Write(b);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static string BuildIndexJson(long totalSize, SortedDictionary<string, string> weightMap)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };
        using (var w = new Utf8JsonWriter(buffer, options))
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteNumber("total_size", totalSize);
            w.WriteEndObject();
            w.WriteStartObject("weight_map");
            foreach (var (k, v) in weightMap)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    private static void Commit(string tmp, string final)
    {
        try
        {
            File.Move(tmp, final, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Removes checkpoint files of either layout that are not in <paramref name="keep"/>.</summary>
    private static void DeleteStale(string dir, IReadOnlyCollection<string> keep)
    {
        foreach (string file in Directory.EnumerateFiles(dir))
        {
            string name = Path.GetFileName(file);
            bool ours = name is SafeTensorsNames.SingleFile or SafeTensorsNames.IndexFile || SafeTensorsNames.IsShardName(name);
            if (ours && !keep.Contains(name))
            {
                TryDelete(file);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
