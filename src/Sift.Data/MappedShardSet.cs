namespace Sift.Data;

/// <summary>
/// Shards of one logical element stream, each memory-mapped, with the global start offset of each
/// so a global element index maps to (shard, offset) by binary search.
/// </summary>
internal sealed class MappedShardSet : IDisposable
{
    private readonly MappedFile[] _files;
    private readonly long[] _starts; // _starts[i] = first global element of shard i; _starts[^1] = total

    /// <summary>Maps <paramref name="paths"/> whose element counts are <paramref name="counts"/>.</summary>
    public MappedShardSet(IReadOnlyList<string> paths, IReadOnlyList<long> counts, int elementSize)
    {
        _files = new MappedFile[paths.Count];
        _starts = new long[paths.Count + 1];
        try
        {
            for (int i = 0; i < paths.Count; i++)
            {
                _files[i] = MappedFile.Open(paths[i], counts[i] * elementSize);
                _starts[i + 1] = _starts[i] + counts[i];
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public long Total => _starts[^1];

    public int ShardCount => _files.Length;

    /// <summary>The shard holding global element <paramref name="index"/> (0 ≤ index &lt; Total).</summary>
    public int ShardOf(long index)
    {
        int i = Array.BinarySearch(_starts, 0, _files.Length, index);
        return i >= 0 ? i : ~i - 1;
    }

    public long ShardStart(int shard) => _starts[shard];

    public long ShardEnd(int shard) => _starts[shard + 1];

    public MappedFile File(int shard) => _files[shard];

    public void Dispose()
    {
        foreach (var f in _files)
        {
            f?.Dispose();
        }
    }
}
