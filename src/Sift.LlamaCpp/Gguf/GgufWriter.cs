using System.Text;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.LlamaCpp.Gguf;

/// <summary>Fills <paramref name="dst"/> with row <paramref name="row"/> of a tensor (its innermost dimension).</summary>
public delegate void RowSource(long row, Span<float> dst);

/// <summary>
/// Builds a GGUF v3 file: metadata key/values, tensor infos, then each tensor's data at a multiple of the alignment
/// (general.alignment, 32). Tensors are encoded row by row while writing, so a model is never held twice in memory;
/// the file is written atomically.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly List<(GgufTensorInfo Info, RowSource Rows)> _tensors = [];
    private long _dataBytes;

    /// <summary>Data alignment in bytes.</summary>
    public int Alignment { get; } = GgufFormat.DefaultAlignment;

    /// <summary>The metadata added so far, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata => _metadata;

    /// <summary>The tensors added so far, in order.</summary>
    public IEnumerable<GgufTensorInfo> Tensors => _tensors.Select(t => t.Info);

    /// <summary>Adds a metadata key (each key once).</summary>
    public void Add(string key, GgufValue value)
    {
        if (_metadata.Any(kv => kv.Key == key))
        {
            throw new ArgumentException($"GGUF metadata key '{key}' added twice", nameof(key));
        }
        _metadata.Add(new(key, value));
    }

    /// <summary>
    /// Adds a tensor of ggml dims <paramref name="dims"/> (ne[0] first, the row length); <paramref name="rows"/> gives
    /// each row as float32, encoded to <paramref name="type"/> when written.
    /// </summary>
    public void AddTensor(string name, long[] dims, GgmlType type, RowSource rows)
    {
        if (_tensors.Any(t => t.Info.Name == name))
        {
            throw new ArgumentException($"GGUF tensor '{name}' added twice", nameof(name));
        }
        if (type == GgmlType.Q8_0 && dims[0] % GgufFormat.Q8Block != 0)
        {
            throw new SiftException($"tensor '{name}': q8_0 needs a row length that is a multiple of {GgufFormat.Q8Block}, got {dims[0]}");
        }
        var info = new GgufTensorInfo(name, dims, type, _dataBytes);
        _tensors.Add((info, rows));
        _dataBytes = GgufFormat.Align(_dataBytes + info.Bytes, Alignment);
    }

    /// <summary>Writes the file atomically to <paramref name="path"/>.</summary>
    public void Write(string path, IProgress<double>? progress = null) =>
        AtomicFile.Write(path, stream => WriteTo(stream, progress));

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream, IProgress<double>? progress = null)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(GgufFormat.Magic);
        w.Write(GgufFormat.Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)value.Type);
            WriteValue(w, value);
        }
        foreach (var (info, _) in _tensors)
        {
            WriteString(w, info.Name);
            w.Write((uint)info.Dims.Length);
            foreach (long d in info.Dims)
            {
                w.Write((ulong)d);
            }
            w.Write((uint)info.Type);
            w.Write((ulong)info.Offset);
        }
        w.Flush();
        long headerEnd = stream.Position;
        Pad(w, GgufFormat.Align(headerEnd, Alignment) - headerEnd);
        long done = 0;
        foreach (var (info, rows) in _tensors)
        {
            long rowLength = info.Dims[0];
            long rowCount = info.Elements / rowLength;
            var row = new float[rowLength];
            var bytes = new byte[GgufFormat.RowBytes(info.Type, rowLength)];
            for (long r = 0; r < rowCount; r++)
            {
                rows(r, row);
                GgmlQuant.EncodeRow(info.Type, row, bytes);
                w.Write(bytes);
            }
            Pad(w, GgufFormat.Align(info.Bytes, Alignment) - info.Bytes);
            done += info.Bytes;
            progress?.Report(_dataBytes == 0 ? 1 : done / (double)_dataBytes);
        }
        w.Flush();
    }

    private static void Pad(BinaryWriter w, long n)
    {
        for (long i = 0; i < n; i++)
        {
            w.Write((byte)0);
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValue v)
    {
        if (v.Type == GgufValueType.Array)
        {
            var items = (Array)v.Value;
            w.Write((uint)v.ElementType);
            w.Write((ulong)items.Length);
            foreach (object item in items)
            {
                WriteScalar(w, v.ElementType, item);
            }
            return;
        }
        WriteScalar(w, v.Type, v.Value);
    }

    private static void WriteScalar(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write((byte)value); break;
            case GgufValueType.Int8: w.Write((sbyte)value); break;
            case GgufValueType.UInt16: w.Write((ushort)value); break;
            case GgufValueType.Int16: w.Write((short)value); break;
            case GgufValueType.UInt32: w.Write((uint)value); break;
            case GgufValueType.Int32: w.Write((int)value); break;
            case GgufValueType.Float32: w.Write((float)value); break;
            case GgufValueType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.UInt64: w.Write((ulong)value); break;
            case GgufValueType.Int64: w.Write((long)value); break;
            case GgufValueType.Float64: w.Write((double)value); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "nested arrays are not written");
        }
    }
}
