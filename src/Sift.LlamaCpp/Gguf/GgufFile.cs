using System.Text;
using Sift.Core;

namespace Sift.LlamaCpp.Gguf;

/// <summary>
/// A GGUF file's header read back: version, metadata, tensor infos and where the data starts. Every count, length,
/// type and offset is checked against the file, so a truncated or corrupt file is a <see cref="SiftException"/>
/// naming the field, never an out-of-memory or a read past the end.
/// </summary>
public sealed class GgufFile
{
    private const int MaxDims = 4;

    private GgufFile(string path, uint version, Dictionary<string, GgufValue> metadata, List<GgufTensorInfo> tensors, long dataOffset, int alignment)
    {
        Path = path;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        DataOffset = dataOffset;
        Alignment = alignment;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>GGUF version (2 or 3).</summary>
    public uint Version { get; }

    /// <summary>Metadata by key.</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Absolute byte offset of the data section.</summary>
    public long DataOffset { get; }

    /// <summary>general.alignment, or 32.</summary>
    public int Alignment { get; }

    /// <summary>A tensor by name, or a clear error.</summary>
    public GgufTensorInfo Tensor(string name) => Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new SiftException($"{Path}: no tensor '{name}'");

    /// <summary>A metadata value by key, or a clear error.</summary>
    public GgufValue Get(string key) => Metadata.TryGetValue(key, out var v) ? v : throw new SiftException($"{Path}: metadata key '{key}' is missing");

    /// <summary>A tensor's values decoded to float32 (row-major, ne[0] innermost).</summary>
    public float[] ReadTensor(string name)
    {
        var t = Tensor(name);
        var result = new float[t.Elements];
        var bytes = new byte[t.Bytes];
        using (var fs = File.OpenRead(Path))
        {
            fs.Position = DataOffset + t.Offset;
            fs.ReadExactly(bytes);
        }
        long rowBytes = GgufFormat.RowBytes(t.Type, t.Dims[0]);
        for (long r = 0; r < t.Elements / t.Dims[0]; r++)
        {
            GgmlQuant.DecodeRow(t.Type, bytes.AsSpan((int)(r * rowBytes), (int)rowBytes), result.AsSpan((int)(r * t.Dims[0]), (int)t.Dims[0]));
        }
        return result;
    }

    /// <summary>Reads and checks the header of <paramref name="path"/>.</summary>
    public static GgufFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: GGUF file not found");
        }
        using var fs = File.OpenRead(path);
        var r = new Reader(fs, path);
        uint magic = r.U32("magic");
        if (magic != GgufFormat.Magic)
        {
            throw new SiftException($"{path}: not a GGUF file (magic 0x{magic:X8}, expected 0x{GgufFormat.Magic:X8} \"GGUF\")");
        }
        uint version = r.U32("version");
        if (version is not (2 or 3))
        {
            throw new SiftException($"{path}: GGUF version {version} is not supported (expected 2 or 3)");
        }
        long tensorCount = r.Count("tensor_count", 8 + 4 + 8 + 4 + 8);
        long kvCount = r.Count("metadata_kv_count", 8 + 4 + 1);
        var metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            string key = r.String($"metadata[{i}].key");
            if (metadata.ContainsKey(key))
            {
                throw new SiftException($"{path}: metadata key '{key}' appears twice");
            }
            var type = r.ValueType($"metadata '{key}' type");
            metadata[key] = r.Value(type, key);
        }
        int alignment = GgufFormat.DefaultAlignment;
        if (metadata.TryGetValue("general.alignment", out var alignValue))
        {
            uint a = alignValue.Type == GgufValueType.UInt32 ? (uint)alignValue.Value
                : throw new SiftException($"{path}: metadata 'general.alignment' must be a uint32, found {alignValue.Type}");
            if (a == 0 || (a & (a - 1)) != 0 || a > 1 << 20)
            {
                throw new SiftException($"{path}: metadata 'general.alignment' must be a power of two, found {a}");
            }
            alignment = (int)a;
        }
        var tensors = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 1 << 16));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < tensorCount; i++)
        {
            string name = r.String($"tensor[{i}].name");
            if (!names.Add(name))
            {
                throw new SiftException($"{path}: tensor '{name}' appears twice");
            }
            uint nDims = r.U32($"tensor '{name}' n_dims");
            if (nDims is 0 or > MaxDims)
            {
                throw new SiftException($"{path}: tensor '{name}' has {nDims} dims (expected 1..{MaxDims})");
            }
            var dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++)
            {
                ulong ne = r.U64($"tensor '{name}' ne[{d}]");
                if (ne == 0 || ne > long.MaxValue / 8 || (elements = checked(elements * (long)ne)) > fs.Length * 8)
                {
                    throw new SiftException($"{path}: tensor '{name}' dimension ne[{d}] = {ne} does not fit the file ({fs.Length} bytes)");
                }
                dims[d] = (long)ne;
            }
            uint typeRaw = r.U32($"tensor '{name}' type");
            var type = (GgmlType)typeRaw;
            if (!GgufFormat.IsKnown(type))
            {
                throw new SiftException($"{path}: tensor '{name}' has ggml type {typeRaw}, which Sift's reader does not decode (F32=0, F16=1, Q8_0=8)");
            }
            if (type == GgmlType.Q8_0 && dims[0] % GgufFormat.Q8Block != 0)
            {
                throw new SiftException($"{path}: tensor '{name}' is q8_0 but its row length {dims[0]} is not a multiple of {GgufFormat.Q8Block}");
            }
            ulong offset = r.U64($"tensor '{name}' offset");
            if (offset % (ulong)alignment != 0)
            {
                throw new SiftException($"{path}: tensor '{name}' offset {offset} is not a multiple of the alignment {alignment}");
            }
            tensors.Add(new GgufTensorInfo(name, dims, type, (long)Math.Min(offset, long.MaxValue)));
        }
        long dataOffset = GgufFormat.Align(fs.Position, alignment);
        foreach (var t in tensors)
        {
            if (t.Offset > fs.Length || dataOffset + t.Offset + t.Bytes > fs.Length)
            {
                throw new SiftException($"{path}: tensor '{t.Name}' data [{t.Offset}, {t.Offset + t.Bytes}) runs past the end of the file ({fs.Length} bytes, data at {dataOffset})");
            }
        }
        return new GgufFile(path, version, metadata, tensors, dataOffset, alignment);
    }

    // Bounds-checked little-endian reads; every length is checked against the bytes left before allocating.
    private sealed class Reader(FileStream fs, string path)
    {
        private readonly byte[] _buf = new byte[8];

        private long Left => fs.Length - fs.Position;

        private ReadOnlySpan<byte> Bytes(int n, string field)
        {
            if (Left < n)
            {
                throw new SiftException($"{path}: truncated at byte {fs.Position} reading {field} ({n} bytes needed, {Left} left)");
            }
            fs.ReadExactly(_buf, 0, n);
            return _buf.AsSpan(0, n);
        }

        public uint U32(string field) => BitConverter.ToUInt32(Bytes(4, field));

        public ulong U64(string field) => BitConverter.ToUInt64(Bytes(8, field));

        // A count whose items take at least minItemBytes each must fit in the rest of the file.
        public long Count(string field, int minItemBytes)
        {
            ulong n = U64(field);
            if (n > (ulong)(Left / minItemBytes))
            {
                throw new SiftException($"{path}: {field} = {n} cannot fit in the {Left} bytes left in the file");
            }
            return (long)n;
        }

        public GgufValueType ValueType(string field)
        {
            uint t = U32(field);
            if (t > (uint)GgufValueType.Float64)
            {
                throw new SiftException($"{path}: {field} is {t}, not a GGUF value type (0..12)");
            }
            return (GgufValueType)t;
        }

        public string String(string field)
        {
            ulong n = U64(field + " length");
            if (n > (ulong)Left || n > int.MaxValue)
            {
                throw new SiftException($"{path}: {field} length {n} runs past the end of the file ({Left} bytes left)");
            }
            var bytes = new byte[n];
            fs.ReadExactly(bytes);
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw new SiftException($"{path}: {field} is not valid UTF-8");
            }
        }

        public GgufValue Value(GgufValueType type, string key)
        {
            if (type != GgufValueType.Array)
            {
                return new GgufValue(type, Scalar(type, key));
            }
            var elem = ValueType($"metadata '{key}' array element type");
            if (elem == GgufValueType.Array)
            {
                throw new SiftException($"{path}: metadata '{key}' is an array of arrays, which llama.cpp does not read");
            }
            long n = Count($"metadata '{key}' array length", elem == GgufValueType.String ? 8 : ScalarSize(elem));
            Array items = elem switch
            {
                GgufValueType.String => new string[n],
                GgufValueType.Int32 => new int[n],
                GgufValueType.UInt32 => new uint[n],
                GgufValueType.Float32 => new float[n],
                _ => new object[n],
            };
            for (long i = 0; i < n; i++)
            {
                items.SetValue(Scalar(elem, $"{key}[{i}]"), i);
            }
            return new GgufValue(GgufValueType.Array, items, elem);
        }

        private static int ScalarSize(GgufValueType t) => t switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            _ => 8,
        };

        private object Scalar(GgufValueType type, string key) => type switch
        {
            GgufValueType.UInt8 => Bytes(1, key)[0],
            GgufValueType.Int8 => (sbyte)Bytes(1, key)[0],
            GgufValueType.UInt16 => BitConverter.ToUInt16(Bytes(2, key)),
            GgufValueType.Int16 => BitConverter.ToInt16(Bytes(2, key)),
            GgufValueType.UInt32 => BitConverter.ToUInt32(Bytes(4, key)),
            GgufValueType.Int32 => BitConverter.ToInt32(Bytes(4, key)),
            GgufValueType.Float32 => BitConverter.ToSingle(Bytes(4, key)),
            GgufValueType.Bool => Bytes(1, key)[0] switch
            {
                0 => false,
                1 => true,
                var b => throw new SiftException($"{path}: metadata '{key}' bool is {b}, expected 0 or 1"),
            },
            GgufValueType.String => String($"metadata '{key}'"),
            GgufValueType.UInt64 => BitConverter.ToUInt64(Bytes(8, key)),
            GgufValueType.Int64 => BitConverter.ToInt64(Bytes(8, key)),
            GgufValueType.Float64 => BitConverter.ToDouble(Bytes(8, key)),
            _ => throw new SiftException($"{path}: metadata '{key}' has type {type} where a scalar is expected"),
        };
    }
}
