namespace Sift.Text.Bpe;

/// <summary>The merges of a BPE model keyed by the id pair: rank (lower merges first) and the merged id.</summary>
internal sealed class MergeTable
{
    private readonly Dictionary<long, Merge> _merges;

    /// <summary>One merge rule.</summary>
    public readonly record struct Merge(int Rank, int Result);

    public MergeTable(int capacity) => _merges = new Dictionary<long, Merge>(capacity);

    public int Count => _merges.Count;

    /// <summary>Adds a merge; a pair listed twice keeps its first (lowest) rank, as HF does.</summary>
    public void Add(int left, int right, int result) => _merges.TryAdd(Key(left, right), new Merge(_merges.Count, result));

    public bool TryGet(int left, int right, out Merge merge) => _merges.TryGetValue(Key(left, right), out merge);

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
