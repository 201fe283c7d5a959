using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Sift.Text.Hf;

namespace Sift.Text.Bpe;

/// <summary>Settings of <see cref="BpeTrainer.Train"/>.</summary>
public sealed record BpeTrainerOptions
{
    /// <summary>Pre-tokenisation regex: <see cref="PreTokenizerPatterns.Gpt2"/> (default) or <see cref="PreTokenizerPatterns.Llama3"/>.</summary>
    public string Pattern { get; init; } = PreTokenizerPatterns.Gpt2;

    /// <summary>Pairs seen fewer times than this are never merged (training may then stop below the vocab size).</summary>
    public int MinPairCount { get; init; } = 2;
}

/// <summary>
/// Trains a byte-level BPE tokenizer (HF / GPT-2 compatible output).
/// Id layout: the special tokens first (ids 0..k-1, in the order given, so "&lt;|endoftext|&gt;" keeps id 0 whatever
/// the vocab size), then the 256 byte tokens in byte order, then one token per merge in merge order.
/// Each step merges the most frequent adjacent pair over the pre-tokenised word counts; ties go to the pair
/// whose (left bytes, right bytes) is lexicographically smallest, so training is deterministic.
/// Pair counts are updated incrementally: only the words that contain the merged pair are revisited.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains on <paramref name="texts"/> up to <paramref name="vocabSize"/> ids (specials and bytes included).</summary>
    public static HfTokenizer Train(IEnumerable<string> texts, int vocabSize, IReadOnlyList<string> specialTokens, BpeTrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(specialTokens);
        options ??= new BpeTrainerOptions();
        int k = specialTokens.Count;
        if (vocabSize < 256 + k)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"vocab size must be at least 256 bytes + {k} special tokens");
        }
        if (specialTokens.Distinct(StringComparer.Ordinal).Count() != k || specialTokens.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("special tokens must be distinct and non-empty", nameof(specialTokens));
        }

        var counts = CountWords(texts, specialTokens, options.Pattern);
        var merges = LearnMerges(counts, vocabSize - k - 256, options.MinPairCount, out var tokenBytes);
        return Build(tokenBytes, merges, specialTokens, options.Pattern);
    }

    /// <summary>Pre-tokenises every text (special-token strings are cut out, never learned) and counts the words.</summary>
    private static Dictionary<string, long> CountWords(IEnumerable<string> texts, IReadOnlyList<string> specials, string pattern)
    {
        var regex = PreTokenizerPatterns.Compile(pattern);
        var splitter = AddedTokenSplitter.Create(specials.Select((s, i) => new AddedToken(i, s, true)));
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var ends = new List<int>();
        var segments = new List<AddedTokenSplitter.Segment>();
        foreach (string text in texts)
        {
            if (splitter is null)
            {
                segments.Clear();
                segments.Add(new AddedTokenSplitter.Segment(0, text.Length, -1));
            }
            else
            {
                splitter.Split(text, segments);
            }
            foreach (var seg in segments)
            {
                if (seg.TokenId >= 0)
                {
                    continue;
                }
                var s = text.AsSpan(seg.Start, seg.End - seg.Start);
                PreTokenSplitter.Split(regex, s, ends);
                int p = 0;
                foreach (int e in ends)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(lookup, s[p..e], out _)++;
                    p = e;
                }
            }
        }
        return counts;
    }

    /// <summary>The merge loop. Internal ids: 0..255 bytes, then merged tokens.</summary>
    private static List<(int Left, int Right)> LearnMerges(Dictionary<string, long> counts, int maxMerges, int minPairCount, out List<byte[]> tokenBytes)
    {
        var bytesList = new List<byte[]>(256 + Math.Max(0, maxMerges));
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++)
        {
            bytesList.Add([(byte)b]);
            idOf[ByteLevelAlphabet.BytesToString([(byte)b])] = b;
        }
        tokenBytes = bytesList;

        // Words in ordinal order so every run visits them identically.
        var keys = counts.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        var words = new int[keys.Length][];
        var freq = new long[keys.Length];
        var pairCount = new Dictionary<long, long>();
        var where = new Dictionary<long, HashSet<int>>();
        for (int w = 0; w < keys.Length; w++)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(keys[w]);
            words[w] = Array.ConvertAll(utf8, b => (int)b);
            freq[w] = counts[keys[w]];
            for (int i = 0; i + 1 < utf8.Length; i++)
            {
                long p = Pair(words[w][i], words[w][i + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(pairCount, p, out _) += freq[w];
                WhereOf(where, p).Add(w);
            }
        }

        var heap = new PriorityQueue<long, (long Count, long Pair)>(new BestPairFirst(bytesList));
        foreach (var (p, c) in pairCount)
        {
            heap.Enqueue(p, (c, p));
        }

        var merges = new List<(int, int)>();
        var delta = new Dictionary<long, long>();
        while (merges.Count < maxMerges && heap.TryDequeue(out long pair, out var queued))
        {
            if (!pairCount.TryGetValue(pair, out long current) || current != queued.Count)
            {
                if (current > 0)
                {
                    heap.Enqueue(pair, (current, pair)); // stale entry: requeue with the true count
                }
                continue;
            }
            if (current < minPairCount)
            {
                break;
            }
            int a = (int)(pair >> 32), b = (int)pair;
            byte[] merged = [.. bytesList[a], .. bytesList[b]];
            string key = ByteLevelAlphabet.BytesToString(merged);
            if (!idOf.TryGetValue(key, out int newId))
            {
                newId = bytesList.Count;
                bytesList.Add(merged);
                idOf[key] = newId;
            }
            merges.Add((a, b));

            delta.Clear();
            foreach (int w in where[pair])
            {
                int[] syms = words[w];
                if (!Contains(syms, a, b))
                {
                    continue; // stale: an earlier merge consumed this occurrence
                }
                long f = freq[w];
                for (int i = 0; i + 1 < syms.Length; i++)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(delta, Pair(syms[i], syms[i + 1]), out _) -= f;
                }
                int[] next = Apply(syms, a, b, newId);
                for (int i = 0; i + 1 < next.Length; i++)
                {
                    long p = Pair(next[i], next[i + 1]);
                    CollectionsMarshal.GetValueRefOrAddDefault(delta, p, out _) += f;
                    if (next[i] == newId || next[i + 1] == newId)
                    {
                        WhereOf(where, p).Add(w);
                    }
                }
                words[w] = next;
            }
            pairCount.Remove(pair);
            where.Remove(pair);
            foreach (var (p, d) in delta)
            {
                if (p == pair || d == 0)
                {
                    continue;
                }
                ref long c = ref CollectionsMarshal.GetValueRefOrAddDefault(pairCount, p, out _);
                c += d;
                if (c <= 0)
                {
                    pairCount.Remove(p);
                }
                else if (d > 0)
                {
                    heap.Enqueue(p, (c, p));
                }
            }
        }
        return merges;
    }

    private static HfTokenizer Build(List<byte[]> tokenBytes, List<(int Left, int Right)> merges, IReadOnlyList<string> specials, string pattern)
    {
        int k = specials.Count;
        var vocab = new Dictionary<string, int>(k + tokenBytes.Count, StringComparer.Ordinal);
        var added = new List<AddedToken>(k);
        for (int i = 0; i < k; i++)
        {
            vocab[specials[i]] = i;
            added.Add(new AddedToken(i, specials[i], Special: true));
        }
        var names = new string[tokenBytes.Count];
        for (int t = 0; t < tokenBytes.Count; t++)
        {
            names[t] = ByteLevelAlphabet.BytesToString(tokenBytes[t]);
            if (!vocab.TryAdd(names[t], t + k))
            {
                throw new ArgumentException($"special token \"{names[t]}\" collides with a learned byte-level token", nameof(specials));
            }
        }
        var def = new TokenizerDefinition
        {
            Vocab = vocab,
            Merges = merges.Select(m => (names[m.Left], names[m.Right])).ToList(),
            AddedTokens = added,
            PreTokenizer = pattern == PreTokenizerPatterns.Gpt2
                ? ByteLevelNode(useRegex: true)
                : new JsonObject
                {
                    ["type"] = "Sequence",
                    ["pretokenizers"] = new JsonArray(
                        new JsonObject
                        {
                            ["type"] = "Split",
                            ["pattern"] = new JsonObject { ["Regex"] = pattern },
                            ["behavior"] = "Isolated",
                            ["invert"] = false,
                        },
                        ByteLevelNode(useRegex: false)),
                },
            Decoder = ByteLevelNode(useRegex: true),
        };
        return new HfTokenizer(def, null, "trained tokenizer");
    }

    private static JsonObject ByteLevelNode(bool useRegex) => new()
    {
        ["type"] = "ByteLevel",
        ["add_prefix_space"] = false,
        ["trim_offsets"] = true,
        ["use_regex"] = useRegex,
    };

    private static long Pair(int left, int right) => ((long)left << 32) | (uint)right;

    private static HashSet<int> WhereOf(Dictionary<long, HashSet<int>> where, long pair)
    {
        ref var set = ref CollectionsMarshal.GetValueRefOrAddDefault(where, pair, out _);
        return set ??= [];
    }

    private static bool Contains(int[] syms, int a, int b)
    {
        for (int i = 0; i + 1 < syms.Length; i++)
        {
            if (syms[i] == a && syms[i + 1] == b)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Replaces every non-overlapping (a, b), left to right, with <paramref name="merged"/>.</summary>
    private static int[] Apply(int[] syms, int a, int b, int merged)
    {
        var result = new List<int>(syms.Length);
        for (int i = 0; i < syms.Length;)
        {
            if (i + 1 < syms.Length && syms[i] == a && syms[i + 1] == b)
            {
                result.Add(merged);
                i += 2;
            }
            else
            {
                result.Add(syms[i++]);
            }
        }
        return result.ToArray();
    }

    /// <summary>Heap order: higher count first, then the lexicographically smaller (left bytes, right bytes).</summary>
    private sealed class BestPairFirst(List<byte[]> tokenBytes) : IComparer<(long Count, long Pair)>
    {
        public int Compare((long Count, long Pair) x, (long Count, long Pair) y)
        {
            if (x.Count != y.Count)
            {
                return y.Count.CompareTo(x.Count);
            }
            int c = tokenBytes[(int)(x.Pair >> 32)].AsSpan().SequenceCompareTo(tokenBytes[(int)(y.Pair >> 32)]);
            return c != 0 ? c : tokenBytes[(int)x.Pair].AsSpan().SequenceCompareTo(tokenBytes[(int)y.Pair]);
        }
    }
}
