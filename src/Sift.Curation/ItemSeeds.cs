using System.Text;
using Sift.Core.Random;

namespace Sift.Curation;

/// <summary>Per-item random seeds that depend only on the run seed, the item's id and an attempt number, so resumed runs repeat themselves.</summary>
internal static class ItemSeeds
{
    /// <summary>Seed, id (FNV-1a of its UTF-8) and attempt, mixed by SplitMix64.</summary>
    public static ulong Of(ulong seed, string id, int attempt)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(id))
        {
            h = (h ^ b) * 1099511628211UL;
        }
        ulong x = seed ^ Rng.SplitMix64(ref h) ^ ((ulong)attempt * 0x9E3779B97F4A7C15UL);
        return Rng.SplitMix64(ref x);
    }
}
