namespace Sift.Engine.Kernels;

/// <summary>
/// Parallel loops over a fixed number of threads. Work is split into contiguous chunks whose
/// boundaries depend only on the count and the chunk count, never on timing, so every reduction
/// that combines per-chunk partials in chunk order is deterministic.
/// </summary>
public static class Par
{
    /// <summary>Runs body(start, end) over [0, count) split into at most <paramref name="threads"/> chunks.</summary>
    public static void For(int count, int threads, Action<int, int> body)
    {
        if (count <= 0)
        {
            return;
        }
        int chunks = Math.Clamp(threads, 1, count);
        if (chunks == 1)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            (int s, int e) = ChunkRange(count, chunks, c);
            body(s, e);
        });
    }

    /// <summary>Runs body(i) for each i in [0, count) on up to <paramref name="threads"/> threads.</summary>
    public static void ForEach(int count, int threads, Action<int> body)
    {
        if (count <= 0)
        {
            return;
        }
        if (threads <= 1 || count == 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    /// <summary>The [start, end) range of chunk <paramref name="c"/> when <paramref name="count"/> items are split into <paramref name="chunks"/>.</summary>
    public static (int Start, int End) ChunkRange(int count, int chunks, int c)
    {
        long s = (long)count * c / chunks;
        long e = (long)count * (c + 1) / chunks;
        return ((int)s, (int)e);
    }
}
