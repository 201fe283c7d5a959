using System.Text;

namespace Sift.Core.IO;

/// <summary>
/// An append-only JSONL output that a rerun continues: opening reads the complete lines already there and drops an
/// unfinished last line (a kill mid-write leaves it without its newline); each appended line is flushed at once, so
/// a kill loses only work in flight. Lines may finish out of order: <see cref="Put"/> holds them until every earlier
/// one is written, so the file is always in input order and a resumed run writes the same file as an uninterrupted one.
/// </summary>
public sealed class ResumableJsonl : IDisposable
{
    private readonly FileStream _stream;
    private readonly object _gate = new();
    private readonly SortedDictionary<long, string> _pending = [];

    private ResumableJsonl(string path, FileStream stream, List<string> existing)
    {
        Path = path;
        _stream = stream;
        Existing = existing;
        Written = existing.Count;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Complete lines that were in the file when it was opened.</summary>
    public IReadOnlyList<string> Existing { get; }

    /// <summary>Lines in the file (the next index <see cref="Put"/> writes).</summary>
    public long Written { get; private set; }

    /// <summary>Opens (creating) the file; <paramref name="warn"/> hears about a dropped unfinished line.</summary>
    public static ResumableJsonl Open(string path, Action<string>? warn = null)
    {
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
            if (end < bytes.Length)
            {
                warn?.Invoke($"{path}: dropped an unfinished last line ({bytes.Length - end} bytes) left by an interrupted run");
                stream.SetLength(end);
            }
            var lines = Encoding.UTF8.GetString(bytes, 0, end).Split('\n').Where(l => l.Length > 0).ToList();
            stream.Seek(0, SeekOrigin.End);
            return new ResumableJsonl(path, stream, lines);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Hands over line <paramref name="index"/> (0-based over the whole file); written when all before it are. Thread-safe.</summary>
    public void Put(long index, string line)
    {
        if (line.Contains('\n'))
        {
            throw new ArgumentException("a JSONL line cannot contain a newline", nameof(line));
        }
        lock (_gate)
        {
            if (index < Written || !_pending.TryAdd(index, line))
            {
                throw new SiftException($"{Path}: line {index + 1} was handed over twice");
            }
            while (_pending.Remove(Written, out string? next))
            {
                _stream.Write(Encoding.UTF8.GetBytes(next + "\n"));
                Written++;
            }
            _stream.Flush();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _stream.Dispose();
        }
    }
}
