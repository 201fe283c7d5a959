namespace Sift.Text.Bpe;

/// <summary>
/// Applies BPE merges to one word's symbol ids in place: repeatedly merge the adjacent pair with the lowest
/// rank (leftmost first) until no pair has a merge. Short words use the plain scan (cheap, cache friendly);
/// long ones (SentencePiece-style text without pre-tokenisation) use a heap so cost stays O(n log n).
/// </summary>
internal static class BpeMerger
{
    private const int HeapThreshold = 48;

    /// <summary>Merges <paramref name="symbols"/> in place and returns the new length.</summary>
    public static int Merge(Span<int> symbols, MergeTable merges) =>
        symbols.Length <= HeapThreshold ? MergeByScan(symbols, merges) : MergeByHeap(symbols, merges);

    /// <summary>
    /// Reference algorithm (GPT-2's loop): find the lowest-rank pair, merge all its occurrences left to right, repeat.
    /// O(n^2) lookups, fine for the short pre-tokens that dominate byte-level text.
    /// </summary>
    public static int MergeByScan(Span<int> symbols, MergeTable merges)
    {
        int n = symbols.Length;
        while (n > 1)
        {
            int bestRank = int.MaxValue, bestPos = -1, bestResult = 0;
            for (int i = 0; i + 1 < n; i++)
            {
                if (merges.TryGet(symbols[i], symbols[i + 1], out var m) && m.Rank < bestRank)
                {
                    bestRank = m.Rank;
                    bestPos = i;
                    bestResult = m.Result;
                }
            }
            if (bestPos < 0)
            {
                break;
            }
            int a = symbols[bestPos], b = symbols[bestPos + 1];
            int w = bestPos, r = bestPos;
            while (r < n)
            {
                if (r + 1 < n && symbols[r] == a && symbols[r + 1] == b)
                {
                    symbols[w++] = bestResult;
                    r += 2;
                }
                else
                {
                    symbols[w++] = symbols[r++];
                }
            }
            n = w;
        }
        return n;
    }

    /// <summary>
    /// Heap version (HF's Word::merge_all): a doubly linked list of symbols and a min-heap of candidate
    /// merges keyed by (rank, position). Stale entries (a side already merged) are skipped on pop.
    /// </summary>
    public static int MergeByHeap(Span<int> symbols, MergeTable merges)
    {
        int n = symbols.Length;
        if (n < 2)
        {
            return n;
        }
        var next = new int[n];
        var prev = new int[n];
        var alive = new bool[n];
        for (int i = 0; i < n; i++)
        {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
        }
        var heap = new PriorityQueue<int, long>(n);
        for (int i = 0; i + 1 < n; i++)
        {
            if (merges.TryGet(symbols[i], symbols[i + 1], out var m))
            {
                heap.Enqueue(i, Priority(m.Rank, i));
            }
        }
        while (heap.TryDequeue(out int pos, out long priority))
        {
            int right = next[pos];
            if (!alive[pos] || right < 0)
            {
                continue;
            }
            // Ranks are unique per pair, so an equal rank means the pair at pos is still the queued one.
            if (!merges.TryGet(symbols[pos], symbols[right], out var m) || m.Rank != (int)(priority >> 32))
            {
                continue;
            }
            symbols[pos] = m.Result;
            alive[right] = false;
            int after = next[right];
            next[pos] = after;
            if (after >= 0)
            {
                prev[after] = pos;
                if (merges.TryGet(symbols[pos], symbols[after], out var mr))
                {
                    heap.Enqueue(pos, Priority(mr.Rank, pos));
                }
            }
            int before = prev[pos];
            if (before >= 0 && merges.TryGet(symbols[before], symbols[pos], out var ml))
            {
                heap.Enqueue(before, Priority(ml.Rank, before));
            }
        }
        int w = 0;
        for (int i = 0; i >= 0; i = next[i])
        {
            symbols[w++] = symbols[i];
        }
        return w;
    }

    private static long Priority(int rank, int pos) => ((long)rank << 32) | (uint)pos;
}
