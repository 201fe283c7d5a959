using System.Security.Cryptography;

namespace Sift.Core.IO;

/// <summary>SHA-256 helpers that return lower-case hex, the form recorded in Sift's indexes.</summary>
public static class Hashing
{
    /// <summary>SHA-256 of a byte span as lower-case hex.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>SHA-256 of a file's content as lower-case hex, streamed.</summary>
    public static string Sha256File(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }
}
