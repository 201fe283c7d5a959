using System.Text.Json;
using Sift.Core;
using Sift.Core.Random;
using Sift.Curation.Decontamination;
using Sift.Curation.Input;
using Sift.Curation.Selection;
using Sift.Curation.Text;
using Sift.Eval.Datasets;

namespace Sift.Curation.Tests.Selection;

public sealed class SelectionTests
{
    private static readonly string[] Names = ["Tom", "Ana", "Li", "Omar", "Sara", "Ivan", "Mia", "Raj"];
    private static readonly string[] Things = ["apples", "pencils", "stickers", "coins", "marbles", "books"];
    private static readonly string[] Prose =
    [
        "The museum opens its new wing to visitors next spring after a long renovation.",
        "Heavy rain is expected along the coast tonight, with winds easing by the morning.",
        "The band released a live album recorded during their summer tour of Europe.",
        "Local farmers reported an early harvest thanks to the warm and dry weather.",
        "The council approved plans for a cycling lane through the old town centre.",
        "A new species of orchid was described by botanists working in the cloud forest.",
        "The novel follows a family of lighthouse keepers over three generations.",
        "Engineers tested the bridge sensors before the railway line reopened.",
        "The chef recommends resting the dough overnight for a lighter crust.",
        "Fans queued outside the stadium for hours before the final whistle.",
    ];

    private static string Problem(Rng r) =>
        $"{Names[r.NextInt(Names.Length)]} has {r.NextInt(90) + 2} {Things[r.NextInt(Things.Length)]} and buys {r.NextInt(40) + 2} more. " +
        $"How many {Things[r.NextInt(Things.Length)]} does {Names[r.NextInt(Names.Length)]} have now?";

    private static string ProseLine(Rng r) => Prose[r.NextInt(Prose.Length)] + " " + Prose[r.NextInt(Prose.Length)];

    [Fact]
    public void DomainScore_EqualsAStraightforwardNaiveBayes()
    {
        string[] inDomain = ["Tom has 3 apples and buys 4 more apples.", "How many apples does Ana have after buying 12?"];
        string[] general = ["The museum opens a new wing in spring.", "Rain is expected tonight along the coast, 3 days early."];
        string query = "Ana buys 7 apples at the museum.";
        var c = new DomainClassifier();
        foreach (string t in inDomain)
        {
            c.Add(t, true);
        }
        foreach (string t in general)
        {
            c.Add(t, false);
        }

        // Reference: string features, numbers as one symbol, add-one smoothing over (distinct features + 1).
        static List<string> Features(string text)
        {
            var toks = TextNormalizer.Tokens(text).Select(t => TextNormalizer.IsNumber(t) ? "<num>" : t).ToList();
            return [.. toks, .. toks.Zip(toks.Skip(1), (a, b) => a + " " + b)];
        }
        var cin = inDomain.SelectMany(Features).GroupBy(f => f).ToDictionary(g => g.Key, g => g.Count());
        var cgen = general.SelectMany(Features).GroupBy(f => f).ToDictionary(g => g.Key, g => g.Count());
        double v = cin.Keys.Union(cgen.Keys).Count() + 1;
        double tin = cin.Values.Sum(), tgen = cgen.Values.Sum();
        var qf = Features(query);
        double want = qf.Average(f => Math.Log((cin.GetValueOrDefault(f) + 1) / (tin + v)) - Math.Log((cgen.GetValueOrDefault(f) + 1) / (tgen + v)));
        Assert.Equal(cin.Keys.Union(cgen.Keys).Count(), c.Features);
        Assert.Equal(want, c.Score(query), 12);
        Assert.Equal(0, c.Score("the of and"));
    }

    [Fact]
    public void InDomain_KeepsTheMathFromAMixedCorpus()
    {
        var r = new Rng(11);
        string dir = TestFiles.Dir();
        var corpusItems = Enumerable.Range(0, 400).Select(i => i % 5 == 0 ? Problem(r) : ProseLine(r)).ToList();
        string corpus = TestFiles.Jsonl(dir, "web.jsonl", "text", corpusItems);
        string target = TestFiles.Jsonl(dir, "target.jsonl", "question", Enumerable.Range(0, 100).Select(_ => Problem(r)));
        string output = Path.Combine(dir, "kept.jsonl"), scores = Path.Combine(dir, "scores.jsonl");
        var s = SelectionRun.InDomain(new TextSource { Path = corpus }, new TextSource { Path = target, Fields = ["question"] }, null,
            new KeepAmount(0.2, null), output, scores, BadLinePolicy.Abort);

        Assert.Equal((400, 80), (s.Items, s.Kept));
        Assert.True(s.HoldoutAccuracy >= 0.95, $"held-out accuracy {s.HoldoutAccuracy}");
        var kept = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToList();
        Assert.True(kept.Count(k => k.Contains("How many", StringComparison.Ordinal)) >= 76, "kept: " + string.Join(" | ", kept.Take(10)));
        // Kept lines are the input's own bytes, in input order.
        var inputLines = File.ReadAllLines(corpus);
        Assert.Equal(inputLines.Where(l => File.ReadAllLines(output).Contains(l)), File.ReadAllLines(output));
        var all = File.ReadAllLines(scores).Select(l => JsonSerializer.Deserialize<JsonElement>(l)).ToList();
        Assert.Equal(400, all.Count);
        Assert.Equal(80, all.Count(e => e.GetProperty("rank").ValueKind == JsonValueKind.Number));
        double minKept = all.Where(e => e.GetProperty("rank").ValueKind == JsonValueKind.Number).Min(e => e.GetProperty("score").GetDouble());
        double maxOut = all.Where(e => e.GetProperty("rank").ValueKind == JsonValueKind.Null).Max(e => e.GetProperty("score").GetDouble());
        Assert.True(minKept >= maxOut);
    }

    // Builds a TF-IDF index over texts the way the run does.
    private static (TfIdfIndex Index, List<SparseVector> Vectors) Index(IReadOnlyList<string> texts)
    {
        var vocab = new Vocabulary();
        char[] buffer = [];
        var scratch = new List<int>();
        var tokens = texts.Select(t => vocab.Encode(t, ref buffer, scratch)).ToList();
        var index = TfIdfIndex.Build(tokens, vocab.Count);
        return (index, tokens.Select(index.Vectorize).ToList());
    }

    // Naive greedy MAP: at each step, the item whose addition gives the largest det(L_Y), by an explicit determinant.
    private static int[] NaiveGreedy(TfIdfIndex index, List<SparseVector> v, double[] q, int k)
    {
        double L(int a, int b) => q[a] * q[b] * (a == b ? (v[a].Weights.Length == 0 ? 0 : 1) + DiverseSelector.Jitter : index.Cosine(v[a], b));
        var chosen = new List<int>();
        for (int step = 0; step < k; step++)
        {
            int best = -1;
            double bestDet = double.NegativeInfinity;
            for (int i = 0; i < v.Count; i++)
            {
                if (chosen.Contains(i))
                {
                    continue;
                }
                var set = chosen.Append(i).ToArray();
                var m = new double[set.Length, set.Length];
                for (int a = 0; a < set.Length; a++)
                {
                    for (int b = 0; b < set.Length; b++)
                    {
                        m[a, b] = L(set[a], set[b]);
                    }
                }
                double det = Determinant(m);
                if (det > bestDet * (1 + 1e-9) || best < 0)
                {
                    bestDet = det;
                    best = i;
                }
            }
            chosen.Add(best);
        }
        return [.. chosen];
    }

    private static double Determinant(double[,] a)
    {
        int n = a.GetLength(0);
        var m = (double[,])a.Clone();
        double det = 1;
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++)
            {
                if (Math.Abs(m[r, c]) > Math.Abs(m[p, c]))
                {
                    p = r;
                }
            }
            if (m[p, c] == 0)
            {
                return 0;
            }
            if (p != c)
            {
                for (int j = 0; j < n; j++)
                {
                    (m[p, j], m[c, j]) = (m[c, j], m[p, j]);
                }
                det = -det;
            }
            det *= m[c, c];
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r, c] / m[c, c];
                for (int j = c; j < n; j++)
                {
                    m[r, j] -= f * m[c, j];
                }
            }
        }
        return det;
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.5)]
    [InlineData(3, 2.0)]
    public void GreedyDpp_PicksWhatAnExplicitDeterminantPicks(int seed, double theta)
    {
        var r = new Rng((ulong)seed);
        string[] words = ["apple", "pear", "coin", "book", "train", "river", "stone", "cloud", "seed", "lamp", "road", "bell"];
        var texts = Enumerable.Range(0, 14).Select(_ => string.Join(' ', Enumerable.Range(0, 3 + r.NextInt(4)).Select(_ => words[r.NextInt(words.Length)]))).ToList();
        var (index, vectors) = Index(texts);
        var quality = Enumerable.Range(0, texts.Count).Select(_ => r.NextDouble() * 2 - 1).ToArray();
        var q = quality.Select(x => Math.Exp(theta * x)).ToArray();
        var (order, gains) = DiverseSelector.Select(index, vectors, quality, theta, 7);
        Assert.Equal(NaiveGreedy(index, vectors, q, 7), order);
        Assert.True(gains.Zip(gains.Skip(1)).All(p => p.First >= p.Second - 1e-12), "gains never grow");
    }

    [Fact]
    public void GreedyDpp_TakesOneOfEachClusterBeforeASecond()
    {
        string[] clusters = ["apple pear plum orchard harvest", "train rail station ticket platform", "river boat bridge water bank"];
        var texts = clusters.SelectMany(c => Enumerable.Range(0, 4).Select(i => c + " " + new[] { "red", "blue", "green", "gold" }[i])).ToList();
        var (index, vectors) = Index(texts);
        var (order, _) = DiverseSelector.Select(index, vectors, new double[texts.Count], 0, 3);
        Assert.Equal(3, order.Select(i => i / 4).Distinct().Count());

        // With a strong quality weight the best item comes first.
        var quality = Enumerable.Range(0, texts.Count).Select(i => i == 6 ? 3.0 : 0.0).ToArray();
        Assert.Equal(6, DiverseSelector.Select(index, vectors, quality, 2.0, 1).Order[0]);
    }

    [Fact]
    public void Diverse_Run_WritesKeptLinesAndReportsDiversity()
    {
        string dir = TestFiles.Dir();
        var r = new Rng(3);
        var lines = new List<string>();
        for (int i = 0; i < 60; i++)
        {
            string text = i < 40 ? "Tom has 3 apples and buys 4 more. How many apples?" + (i % 2 == 0 ? "" : " now") : Problem(r);
            lines.Add(JsonSerializer.Serialize(new { question = text, score = i < 40 ? 0.9 : 0.5 + 0.001 * i }));
        }
        string input = TestFiles.Raw(dir, "sft.jsonl", string.Join("\n", lines) + "\n");
        string output = Path.Combine(dir, "out.jsonl");
        var s = SelectionRun.Diverse(new TextSource { Path = input, Fields = ["question"] }, "score", 0.5, new KeepAmount(null, 10), output, null, BadLinePolicy.Abort);
        Assert.Equal(10, s.Kept);
        // The best by quality alone are 10 copies of one problem; the DPP keeps at most the two distinct versions of it.
        Assert.True(File.ReadLines(output).Count(l => l.Contains("Tom has 3 apples", StringComparison.Ordinal)) <= 2);
        Assert.True(s.MeanNearestSimilarityKept < s.MeanNearestSimilarityTopQuality);

        string bad = TestFiles.Raw(dir, "bad.jsonl", "{\"question\": \"a b\", \"score\": 1}\n{\"question\": \"c d\", \"score\": \"high\"}\n");
        var ex = Assert.Throws<SiftException>(() => SelectionRun.Diverse(new TextSource { Path = bad, Fields = ["question"] }, "score", 1, new KeepAmount(null, 2), output, null, BadLinePolicy.Abort));
        Assert.Equal($"{bad}:2: field \"score\" is not a finite number; --quality-field needs a number on every line", ex.Message);
        var same = Assert.Throws<SiftException>(() => SelectionRun.Diverse(new TextSource { Path = input, Fields = ["question"] }, null, 1, new KeepAmount(null, 2), input, null, BadLinePolicy.Abort));
        Assert.Contains("the input is never modified", same.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.2", 100, 20)]
    [InlineData("1", 100, 100)]
    [InlineData("500", 100, 100)]
    [InlineData("30", 100, 30)]
    [InlineData("0.001", 100, 1)]
    public void Keep_ReadsSharesAndCounts(string text, int n, int kept) => Assert.Equal(kept, KeepAmount.Parse(text, "--keep").Of(n));

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1.5")]
    [InlineData("many")]
    public void Keep_RejectsNonsense(string text) =>
        Assert.Contains("expected a share in (0, 1]", Assert.Throws<SiftException>(() => KeepAmount.Parse(text, "--keep")).Message, StringComparison.Ordinal);
}
