using System.Security.Cryptography;
using System.Text;

namespace Sift.Hub;

/// <summary>
/// Checks a downloaded file against the Hub's etag: for LFS files the etag is the sha256 of the content (64 hex),
/// for files kept in git it is the git blob id, sha1("blob {size}\0" + content) (40 hex).
/// </summary>
internal static class BlobHash
{
    /// <summary>The hash of the file in the etag's form, or null when the etag is neither form (then only the size is checked).</summary>
    public static string? Compute(string path, string etag)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        if (IsHex(etag, 64))
        {
            return Convert.ToHexStringLower(SHA256.HashData(fs));
        }
        if (IsHex(etag, 40))
        {
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(Encoding.ASCII.GetBytes($"blob {fs.Length}\0"));
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = fs.Read(buffer)) > 0)
            {
                sha1.AppendData(buffer.AsSpan(0, n));
            }
            return Convert.ToHexStringLower(sha1.GetHashAndReset());
        }
        return null;
    }

    /// <summary>True for <paramref name="length"/> lower-case hex digits.</summary>
    public static bool IsHex(string s, int length) => s.Length == length && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
