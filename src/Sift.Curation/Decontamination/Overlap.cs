using Sift.Core.Random;

namespace Sift.Curation.Decontamination;

/// <summary>
/// Set overlaps of two normalised token sequences: Jaccard |A∩B| / |A∪B| of their unigram sets and of their n-gram
/// sets (n consecutive tokens; a sequence shorter than n contributes itself as its one n-gram), and whether one
/// item's numbers all occur in the other. Two empty sets have Jaccard 0.
/// </summary>
internal static class Overlap
{
    /// <summary>Jaccard of two strictly increasing id sets.</summary>
    public static double Jaccard(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int i = 0, j = 0, common = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                common++;
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        int union = a.Length + b.Length - common;
        return union == 0 ? 0 : (double)common / union;
    }

    /// <summary>Jaccard of two strictly increasing hash sets.</summary>
    public static double Jaccard(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        int i = 0, j = 0, common = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                common++;
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        int union = a.Length + b.Length - common;
        return union == 0 ? 0 : (double)common / union;
    }

    /// <summary>The distinct n-grams of a token-id sequence as sorted 64-bit hashes (collisions: about 2⁻⁶⁴ per pair).</summary>
    public static ulong[] NGrams(int[] tokens, int n)
    {
        if (tokens.Length == 0)
        {
            return [];
        }
        int width = Math.Min(n, tokens.Length);
        var grams = new ulong[tokens.Length - width + 1];
        for (int i = 0; i < grams.Length; i++)
        {
            ulong h = 0x9E3779B97F4A7C15UL ^ (ulong)width;
            for (int j = 0; j < width; j++)
            {
                ulong x = h ^ (uint)tokens[i + j];
                h = Rng.SplitMix64(ref x);
            }
            grams[i] = h;
        }
        Array.Sort(grams);
        int w = 0;
        for (int i = 0; i < grams.Length; i++)
        {
            if (i == 0 || grams[i] != grams[w - 1])
            {
                grams[w++] = grams[i];
            }
        }
        return grams[..w];
    }

    /// <summary>Whether every number token of <paramref name="item"/> occurs in <paramref name="other"/> at least as often.</summary>
    public static bool NumbersContained(int[] item, int[] other, Func<int, bool> isNumber)
    {
        Dictionary<int, int>? need = null;
        foreach (int t in item)
        {
            if (isNumber(t))
            {
                need ??= [];
                need[t] = need.GetValueOrDefault(t) + 1;
            }
        }
        if (need is null)
        {
            return true;
        }
        foreach (int t in other)
        {
            if (need.TryGetValue(t, out int c))
            {
                if (c == 1)
                {
                    need.Remove(t);
                    if (need.Count == 0)
                    {
                        return true;
                    }
                }
                else
                {
                    need[t] = c - 1;
                }
            }
        }
        return false;
    }
}
