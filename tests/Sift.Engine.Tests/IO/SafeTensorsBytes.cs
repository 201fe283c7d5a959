using System.Text;

namespace Sift.Engine.Tests.IO;

/// <summary>Builds safetensors files byte by byte, independent of the writer under test.</summary>
internal static class SafeTensorsBytes
{
    /// <summary>8-byte little-endian length + header + data; header length can be overridden to lie.</summary>
    public static byte[] Build(string headerJson, byte[] data, ulong? declaredHeaderLength = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), declaredHeaderLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();
}
