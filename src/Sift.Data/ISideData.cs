namespace Sift.Data;

/// <summary>Per-token values aligned with a packed token stream (provenance labels, reference losses).</summary>
/// <typeparam name="T">Element type as the reader returns it.</typeparam>
public interface ISideData<T>
{
    /// <summary>Copies the values of stream positions [start, start + dest.Length).</summary>
    void Read(long start, Span<T> dest);
}

/// <summary>
/// Where side data meets training windows. A window starting at stream offset s has inputs s .. s+T−1 and
/// targets s+1 .. s+T, and every per-token quantity of training (losses, weights, selection) is indexed by the
/// target; so side values of window b are read from s_b + 1. The one place that knows the +1.
/// </summary>
public static class WindowSideData
{
    /// <summary>Fills dest[b·T .. (b+1)·T) with the values of window b's target tokens, for each window that fits in dest.</summary>
    public static void ReadTargets<T>(ISideData<T> source, ReadOnlySpan<long> windowStarts, int seqLen, Span<T> dest)
    {
        ArgumentNullException.ThrowIfNull(source);
        for (int b = 0; b < windowStarts.Length && (long)b * seqLen < dest.Length; b++)
        {
            source.Read(windowStarts[b] + 1, dest.Slice(b * seqLen, seqLen));
        }
    }
}
