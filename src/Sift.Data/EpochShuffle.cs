using Sift.Core.Random;

namespace Sift.Data;

/// <summary>The per-epoch visiting order of samplers: a Fisher–Yates permutation seeded by (seed + epoch).</summary>
internal static class EpochShuffle
{
    /// <summary>Fills <paramref name="order"/> with epoch <paramref name="epoch"/>'s permutation of 0 .. order.Length − 1.</summary>
    public static void Fill(int[] order, ulong seed, long epoch)
    {
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var rng = new Rng(unchecked(seed + (ulong)epoch));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)rng.NextBelow((ulong)i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
