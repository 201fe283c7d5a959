using System.Security.Cryptography;

namespace Sift.Data;

/// <summary>
/// Streams bytes to a hidden temp file beside the target while hashing them (SHA-256);
/// <see cref="Commit"/> flushes to disk and renames to the final name, so a crash never
/// leaves a partial file under a real shard name.
/// </summary>
internal sealed class HashingFileWriter : IDisposable
{
    private readonly string _finalPath;
    private readonly string _tempPath;
    private readonly FileStream _stream;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _done;

    public HashingFileWriter(string finalPath)
    {
        _finalPath = finalPath;
        _tempPath = Path.Combine(Path.GetDirectoryName(finalPath) ?? ".", $".{Path.GetFileName(finalPath)}.tmp");
        _stream = new FileStream(_tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    }

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _hash.AppendData(bytes);
        Length += bytes.Length;
    }

    /// <summary>Flushes, renames to the final name and returns the lower-case hex SHA-256.</summary>
    public string Commit()
    {
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_tempPath, _finalPath, overwrite: true);
        _done = true;
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    /// <summary>Deletes the temp file unless committed.</summary>
    public void Dispose()
    {
        _hash.Dispose();
        if (_done)
        {
            return;
        }
        _stream.Dispose();
        try
        {
            File.Delete(_tempPath);
        }
        catch (IOException)
        {
        }
        _done = true;
    }
}
