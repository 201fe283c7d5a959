using System.Collections.Concurrent;

namespace Sift.Text.Bpe;

/// <summary>
/// Thread-safe cache of pre-token text → ids, looked up by span (no string allocated on a hit).
/// Bounded: when full it is cleared wholesale, which keeps it simple and the hot words come back at once.
/// </summary>
internal sealed class WordCache
{
    /// <summary>Longer pre-tokens are not cached: they are rare and would crowd the cache.</summary>
    public const int MaxKeyLength = 64;

    private readonly ConcurrentDictionary<string, int[]> _map = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _capacity;
    private int _count;

    public WordCache(int capacity)
    {
        _capacity = capacity;
        _lookup = _map.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool TryGet(ReadOnlySpan<char> word, out int[] ids) => _lookup.TryGetValue(word, out ids!);

    public void Add(ReadOnlySpan<char> word, int[] ids)
    {
        if (word.Length > MaxKeyLength)
        {
            return;
        }
        if (Interlocked.Increment(ref _count) > _capacity)
        {
            _map.Clear();
            Interlocked.Exchange(ref _count, 0);
        }
        _lookup.TryAdd(word, ids);
    }
}
