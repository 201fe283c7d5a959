using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Sift.Core;

namespace Sift.Data;

/// <summary>
/// NumPy's <c>.npy</c> format (version 1.0): the magic <c>\x93NUMPY</c>, a little-endian header length, a Python
/// dict literal (<c>descr</c>, <c>fortran_order</c>, <c>shape</c>) padded with spaces to a multiple of 64 bytes and
/// ending in a newline, then the C-order data. <c>numpy.load(path, mmap_mode="r")</c> maps such a file without
/// copying it, which is how PyTorch data loaders read Sift's exports.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The NumPy dtype string of <typeparamref name="T"/> ("&lt;u2", "&lt;f4", ...).</summary>
    public static string Descr<T>() where T : unmanaged => typeof(T) switch
    {
        var t when t == typeof(byte) => "|u1",
        var t when t == typeof(ushort) => "<u2",
        var t when t == typeof(uint) => "<u4",
        var t when t == typeof(int) => "<i4",
        var t when t == typeof(long) => "<i8",
        var t when t == typeof(Half) => "<f2",
        var t when t == typeof(float) => "<f4",
        var t when t == typeof(double) => "<f8",
        _ => throw new NotSupportedException($"no NumPy dtype for {typeof(T).Name}"),
    };

    /// <summary>The header bytes for an array of <paramref name="descr"/> and <paramref name="shape"/> (C order).</summary>
    public static byte[] Header(string descr, IReadOnlyList<long> shape)
    {
        string dims = shape.Count == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int total = (unpadded + 63) / 64 * 64;
        var text = dict + new string(' ', total - unpadded) + "\n";
        var bytes = new byte[total];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1; // version 1.0
        bytes[7] = 0;
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 2), (ushort)text.Length);
        Encoding.ASCII.GetBytes(text, bytes.AsSpan(10));
        return bytes;
    }

    /// <summary>Reads the header of <paramref name="path"/>: the dtype string, the shape and where the data starts.</summary>
    public static (string Descr, long[] Shape, long DataOffset) ReadHeader(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> pre = stackalloc byte[10];
        if (f.Read(pre) != 10 || !pre[..6].SequenceEqual(Magic))
        {
            throw new SiftException($"{path}: not a .npy file (no \\x93NUMPY magic)");
        }
        int major = pre[6];
        int len;
        long offset;
        if (major == 1)
        {
            len = BitConverter.ToUInt16(pre[8..10]);
            offset = 10 + len;
        }
        else
        {
            Span<byte> more = stackalloc byte[2];
            f.ReadExactly(more);
            len = (int)BitConverter.ToUInt32([pre[8], pre[9], more[0], more[1]]);
            offset = 12 + len;
        }
        var header = new byte[len];
        f.ReadExactly(header);
        string dict = Encoding.ASCII.GetString(header);
        var descr = DescrPattern().Match(dict);
        var shape = ShapePattern().Match(dict);
        if (!descr.Success || !shape.Success || dict.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new SiftException($"{path}: unsupported .npy header {dict.Trim()} (expected a C-order array)");
        }
        long[] dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return (descr.Groups[1].Value, dims, offset);
    }

    /// <summary>Reads a whole array of <typeparamref name="T"/> (for tests and small files), checking the dtype.</summary>
    public static (T[] Data, long[] Shape) Read<T>(string path) where T : unmanaged
    {
        var (descr, shape, offset) = ReadHeader(path);
        if (descr != Descr<T>())
        {
            throw new SiftException($"{path}: dtype {descr}, expected {Descr<T>()}");
        }
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var data = new T[count];
        using var f = File.OpenRead(path);
        f.Position = offset;
        f.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        return (data, shape);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}

/// <summary>
/// Streams a C-order array of known shape into a <c>.npy</c> file: written to a hidden temp file while hashing and
/// renamed on <see cref="Commit"/>, so a killed export never leaves a truncated file under the real name.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class NpyWriter<T> : IDisposable where T : unmanaged
{
    private readonly HashingFileWriter _file;
    private readonly long _count;
    private readonly string _path;

    /// <summary>Starts <paramref name="path"/> with the header for <paramref name="shape"/>.</summary>
    public NpyWriter(string path, IReadOnlyList<long> shape)
    {
        _path = path;
        _count = shape.Aggregate(1L, (a, b) => a * b);
        _file = new HashingFileWriter(path);
        _file.Write(NpyFile.Header(NpyFile.Descr<T>(), shape));
    }

    /// <summary>Elements written so far.</summary>
    public long Written { get; private set; }

    /// <summary>Appends values in C order.</summary>
    public void Append(ReadOnlySpan<T> values)
    {
        if (Written + values.Length > _count)
        {
            throw new InvalidOperationException($"{_path}: more values than the shape holds ({_count})");
        }
        _file.Write(MemoryMarshal.AsBytes(values));
        Written += values.Length;
    }

    /// <summary>Checks that the array is full, renames it into place and returns the file's SHA-256.</summary>
    public string Commit()
    {
        if (Written != _count)
        {
            throw new InvalidOperationException($"{_path}: {Written} values written, the shape holds {_count}");
        }
        return _file.Commit();
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
