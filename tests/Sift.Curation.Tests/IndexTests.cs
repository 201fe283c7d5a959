using Sift.Core.Random;
using Sift.Curation.Decontamination;
using Sift.Curation.Text;

namespace Sift.Curation.Tests;

/// <summary>The inverted index's top-k against a brute-force TF-IDF cosine over every training item.</summary>
public sealed class IndexTests
{
    private const double Tolerance = 1e-12;

    private sealed class Built
    {
        private readonly Vocabulary _vocab = new();
        private char[] _buffer = [];
        private readonly List<int> _scratch = [];

        public Built(IReadOnlyList<string> training)
        {
            var tokens = training.Select(t => _vocab.Encode(t, ref _buffer, _scratch)).ToList();
            Index = TfIdfIndex.Build(tokens, _vocab.Count);
        }

        public TfIdfIndex Index { get; }

        public SparseVector Query(string text) => Index.Vectorize(_vocab.Encode(text, ref _buffer, _scratch));
    }

    // Short texts over a small vocabulary: many shared terms, repeated items (exact ties) and stop words.
    private static List<string> RandomTexts(Rng rng, int count, string[] words, int maxLength)
    {
        var texts = new List<string>();
        for (int i = 0; i < count; i++)
        {
            if (texts.Count > 0 && rng.NextInt(8) == 0)
            {
                texts.Add(texts[rng.NextInt(texts.Count)]); // a duplicate: its score ties with the original's
                continue;
            }
            int len = 1 + rng.NextInt(maxLength);
            texts.Add(string.Join(' ', Enumerable.Range(0, len).Select(_ => words[rng.NextInt(words.Length)])));
        }
        return texts;
    }

    private static readonly string[] Words =
        ["apples", "pears", "Nora", "buys", "bags", "each", "the", "of", "has", "many", "how", "3", "5", "12", "2.5", "sells", "eggs", "day", "market", "dollars"];

    [Theory]
    [InlineData(1UL, 10)]
    [InlineData(2UL, 3)]
    [InlineData(3UL, 1)]
    public void TopK_EqualsBruteForceCosine_ScoresAndOrder(ulong seed, int k)
    {
        var rng = new Rng(seed);
        var training = RandomTexts(rng, 120, Words, 10);
        var queries = RandomTexts(rng, 60, [.. Words, "unseen", "words"], 8);
        var built = new Built(training);
        var brute = new BruteForce.TfIdf(training);
        var scratch = new SearchScratch();
        foreach (string q in queries)
        {
            var hits = built.Index.Search(built.Query(q), k, scratch);
            var expected = brute.Ranking(q);
            AssertSameTopK(expected, hits, k, brute, q);
        }
    }

    [Fact]
    public void TopK_WithPruning_EqualsBruteForce()
    {
        // Common terms in most items give posting lists long enough for the pruning checks to run.
        var rng = new Rng(7);
        string[] common = ["many", "how", "has", "buys", "total", "3", "5"];
        var rare = Enumerable.Range(0, 400).Select(i => $"w{i}").ToArray();
        var training = new List<string>();
        for (int i = 0; i < 6000; i++)
        {
            var words = Enumerable.Range(0, 4 + rng.NextInt(6)).Select(_ => rng.NextInt(3) == 0 ? rare[rng.NextInt(rare.Length)] : common[rng.NextInt(common.Length)]);
            training.Add(string.Join(' ', words));
        }
        var built = new Built(training);
        var brute = new BruteForce.TfIdf(training);
        var scratch = new SearchScratch();
        for (int i = 0; i < 40; i++)
        {
            // Queries near a training item (so the top scores are high and pruning pays) and random ones.
            string q = i % 2 == 0 ? training[rng.NextInt(training.Count)] + " " + common[rng.NextInt(common.Length)]
                : string.Join(' ', Enumerable.Range(0, 6).Select(_ => rng.NextInt(2) == 0 ? rare[rng.NextInt(rare.Length)] : common[rng.NextInt(common.Length)]));
            var hits = built.Index.Search(built.Query(q), 10, scratch);
            AssertSameTopK(brute.Ranking(q), hits, 10, brute, q);
        }
        Assert.True(scratch.Pruned > 0, "no search took the pruning path");
    }

    [Theory]
    [InlineData(4UL)]
    [InlineData(5UL)]
    public void RemovalUntilClean_EqualsBruteForceFixpoint(ulong seed)
    {
        // Brute force: remove every training item that some query's nearest 3 remaining items flag (unigram Jaccard
        // > 0.3), and repeat until nothing more is removed.
        var rng = new Rng(seed);
        var training = RandomTexts(rng, 150, Words, 6);
        var queries = RandomTexts(rng, 25, Words, 5);
        var brute = new BruteForce.TfIdf(training);
        var removed = new HashSet<int>();
        int passes = 0;
        while (true)
        {
            passes++;
            var newly = queries.SelectMany(q => brute.Ranking(q).Where(x => !removed.Contains(x.Doc)).Take(3)
                .Where(x => BruteForce.Jaccard(q, training[x.Doc], 1) > 0.3).Select(x => x.Doc)).ToHashSet();
            if (newly.Count == 0)
            {
                break;
            }
            removed.UnionWith(newly);
        }
        string dir = TestFiles.Dir();
        string train = TestFiles.Jsonl(dir, "t.jsonl", "text", training);
        var bench = new BenchmarkInput("q", null, [.. queries.Select((q, i) => new BenchmarkItem(i, i + 1, q))]);
        var run = Decontaminator.Run(new Sift.Curation.Input.TextSource { Path = train }, [bench], new DecontaminationOptions { TopK = 3, UnigramThreshold = 0.3 });
        Assert.True(passes > 2, $"only {passes} passes: the case does not exercise removal");
        Assert.Equal(removed.Order(), run.Report.Flagged.Select(f => f.TrainIndex).Distinct().Order());
        Assert.True(run.Report.Converged);
        // Every flagged pair is flagged by the brute-force rule.
        Assert.All(run.Report.Flagged, f => Assert.True(BruteForce.Jaccard(queries[f.Idx], training[f.TrainIndex], 1) > 0.3));
    }

    [Fact]
    public void EqualScores_GoToTheLowerIndex_AndScoresAreExactCosines()
    {
        string[] training = ["nora buys apples", "pears day", "nora buys apples", "nora buys apples", "market"];
        var built = new Built(training);
        var q = built.Query("Nora buys apples");
        var hits = built.Index.Search(q, 2, new SearchScratch());
        Assert.Equal([0, 2], hits.Select(h => h.Doc));
        // Identical vectors: the cosine of an item with itself is 1 up to rounding, and equal for the duplicates.
        Assert.Equal(hits[0].Score, hits[1].Score);
        Assert.Equal(1.0, hits[0].Score, 1e-15);
        Assert.Equal(built.Index.Cosine(q, 3), hits[0].Score);
    }

    [Fact]
    public void NoSharedTerm_NoHit()
    {
        var built = new Built(["apples and pears", "eggs"]);
        Assert.Empty(built.Index.Search(built.Query("zebra"), 10, new SearchScratch()));
        Assert.Empty(built.Index.Search(built.Query("the of and"), 10, new SearchScratch()));
    }

    // The fast list is the brute-force ranking's first k: the same scores (to rounding) rank by rank, and the same
    // items except where brute-force scores tie (within rounding), where either item of the tie may come first.
    private static void AssertSameTopK(List<(int Doc, double Score)> expected, Hit[] hits, int k, BruteForce.TfIdf brute, string q)
    {
        Assert.Equal(Math.Min(k, expected.Count), hits.Length);
        for (int r = 0; r < hits.Length; r++)
        {
            Assert.True(Math.Abs(expected[r].Score - hits[r].Score) <= Tolerance, $"'{q}' rank {r + 1}: {hits[r].Score} vs {expected[r].Score}");
            Assert.True(Math.Abs(brute.Cosine(q, hits[r].Doc) - hits[r].Score) <= Tolerance, $"'{q}' item {hits[r].Doc}: wrong score");
            if (hits[r].Doc != expected[r].Doc)
            {
                Assert.True(Math.Abs(brute.Cosine(q, hits[r].Doc) - expected[r].Score) <= Tolerance, $"'{q}' rank {r + 1}: item {hits[r].Doc}, expected {expected[r].Doc}");
            }
            if (r > 0 && hits[r].Score == hits[r - 1].Score)
            {
                Assert.True(hits[r].Doc > hits[r - 1].Doc, $"'{q}': equal scores out of index order");
            }
        }
    }
}
