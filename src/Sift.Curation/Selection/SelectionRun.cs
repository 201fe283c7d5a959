using System.Diagnostics;
using System.Text.Json;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Curation.Decontamination;
using Sift.Curation.Input;
using Sift.Curation.Text;
using Sift.Eval.Datasets;

namespace Sift.Curation.Selection;

/// <summary>How many items to keep: a share of the input (0–1] or a count.</summary>
internal readonly record struct KeepAmount(double? Share, int? Count)
{
    /// <summary>"0.2" is a share; "500" (a whole number above 1) is a count.</summary>
    public static KeepAmount Parse(string text, string option)
    {
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 1)
        {
            return new KeepAmount(null, n);
        }
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0 && s <= 1)
        {
            return new KeepAmount(s, null);
        }
        throw new SiftException($"{option} '{text}': expected a share in (0, 1] such as 0.2, or a count of items above 1 such as 500");
    }

    /// <summary>The number of items kept out of <paramref name="n"/> (a share rounds to nearest, at least 1).</summary>
    public int Of(int n) => Count is int c ? Math.Min(c, n) : Math.Clamp((int)Math.Round(Share!.Value * n, MidpointRounding.AwayFromZero), 1, n);
}

/// <summary>One scored item of a selection (a line of the optional scores file).</summary>
/// <param name="Index">0-based item index.</param>
/// <param name="Line">1-based line in the input.</param>
/// <param name="Score">In-domain score, or the pick's gain for diverse selection (0 when not picked).</param>
/// <param name="Rank">0-based rank among kept items, or null when left out.</param>
internal sealed record SelectedItem(int Index, int Line, double Score, int? Rank);

/// <summary>What a selection did.</summary>
internal sealed record SelectionSummary(string Method, string Input, string Output, int Items, int Kept, int SkippedLines,
    double? Threshold, int? TargetItems, int? BackgroundItems, int? Features, double? HoldoutAccuracy, double? QualityMeanKept, double? QualityMeanAll,
    double? MeanNearestSimilarityKept, double? MeanNearestSimilarityTopQuality, double Seconds);

/// <summary>
/// Data selection runs: <see cref="InDomainAsync"/> (TRAIT-style) and <see cref="DiverseAsync"/> (QaDS-style). Both
/// read JSONL or text items (<see cref="TextItemReader"/>), write the kept lines byte for byte in input order
/// (<see cref="LineCopy"/>), and optionally a scores file with every item.
/// </summary>
internal static class SelectionRun
{
    private static readonly JsonSerializerOptions Line = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Keeps the items of <paramref name="corpus"/> that read most like <paramref name="target"/> rather than <paramref name="background"/> (default: the corpus itself).</summary>
    public static SelectionSummary InDomain(TextSource corpus, TextSource target, TextSource? background, KeepAmount keep, string output, string? scoresPath,
        BadLinePolicy policy, IProgressReporter? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var report = new ReadReport();
        var items = TextItemReader.Read(corpus, policy, report).ToList();
        var targets = TextItemReader.Read(target, policy, new ReadReport()).Select(i => i.Text).ToList();
        var general = background is null ? items.Select(i => i.Text).ToList() : TextItemReader.Read(background, policy, new ReadReport()).Select(i => i.Text).ToList();
        if (items.Count == 0 || targets.Count == 0 || general.Count == 0)
        {
            throw new SiftException(items.Count == 0 ? $"{corpus.Path}: no items" : targets.Count == 0 ? $"{target.Path}: no in-domain items" : $"{background!.Path}: no general items");
        }

        // Separability first: every 10th item of each class held out, the rest trained on.
        var probe = new DomainClassifier();
        Train(probe, targets, general, heldOut: false);
        int right = 0, total = 0;
        for (int i = 9; i < targets.Count; i += 10, total++)
        {
            right += probe.Score(targets[i]) > 0 ? 1 : 0;
        }
        for (int i = 9; i < general.Count; i += 10, total++)
        {
            right += probe.Score(general[i]) <= 0 ? 1 : 0;
        }
        double? holdout = total >= 2 ? Math.Round((double)right / total, 4) : null;

        var model = new DomainClassifier();
        Train(model, targets, general, heldOut: true);
        var scores = new double[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            scores[i] = model.Score(items[i].Text);
            if ((i & 1023) == 0)
            {
                progress?.Report("score", i, items.Count, "");
            }
        }
        int k = keep.Of(items.Count);
        // Highest score first; ties to the earlier item.
        var ranked = Enumerable.Range(0, items.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
        var rank = new int?[items.Count];
        for (int r = 0; r < k; r++)
        {
            rank[ranked[r]] = r;
        }
        Write(corpus, items, rank, scores, output, scoresPath);
        return new SelectionSummary("in-domain", Path.GetFullPath(corpus.Path), Path.GetFullPath(output), items.Count, k, report.Skipped,
            Math.Round(scores[ranked[k - 1]], 6), targets.Count, general.Count, model.Features, holdout, null, null, null, null, Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    /// <summary>Keeps a diverse, high-quality subset of <paramref name="corpus"/> (<see cref="DiverseSelector"/>).</summary>
    public static SelectionSummary Diverse(TextSource corpus, string? qualityField, double theta, KeepAmount keep, string output, string? scoresPath,
        BadLinePolicy policy, IProgressReporter? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var report = new ReadReport();
        var items = TextItemReader.Read(corpus, policy, report).ToList();
        if (items.Count == 0)
        {
            throw new SiftException($"{corpus.Path}: no items");
        }
        int k = keep.Of(items.Count);
        if ((long)items.Count * k > 250_000_000)
        {
            throw new SiftException($"--keep {k} of {items.Count:N0} items needs {(long)items.Count * k * 8 / (1 << 30):N0} GiB for the greedy DPP; keep fewer or pre-filter (e.g. sift select domain)");
        }
        double[] quality = qualityField is null ? new double[items.Count] : Standardize(ReadQuality(corpus, qualityField, items));
        var vocab = new Vocabulary();
        char[] buffer = [];
        var scratch = new List<int>();
        var tokens = items.Select(i => vocab.Encode(i.Text, ref buffer, scratch)).ToList();
        var index = TfIdfIndex.Build(tokens, vocab.Count);
        var vectors = tokens.Select(index.Vectorize).ToList();
        var (order, gains) = DiverseSelector.Select(index, vectors, quality, qualityField is null ? 0 : theta, k,
            progress is null ? null : new Progress<int>(s => progress.Report("select", s, k, "")));
        var rank = new int?[items.Count];
        var score = new double[items.Count];
        for (int r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
            score[order[r]] = gains[r];
        }
        Write(corpus, items, rank, score, output, scoresPath);
        var topQuality = Enumerable.Range(0, items.Count).OrderByDescending(i => quality[i]).ThenBy(i => i).Take(k).ToArray();
        return new SelectionSummary("diverse", Path.GetFullPath(corpus.Path), Path.GetFullPath(output), items.Count, k, report.Skipped, null, null, null, null, null,
            qualityField is null ? null : Math.Round(order.Average(i => quality[i]), 4), qualityField is null ? null : 0,
            Math.Round(MeanNearest(index, vectors, order), 4), qualityField is null ? null : Math.Round(MeanNearest(index, vectors, topQuality), 4),
            Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    private static void Train(DomainClassifier c, List<string> targets, List<string> general, bool heldOut)
    {
        for (int i = 0; i < targets.Count; i++)
        {
            if (heldOut || i % 10 != 9)
            {
                c.Add(targets[i], inDomain: true);
            }
        }
        for (int i = 0; i < general.Count; i++)
        {
            if (heldOut || i % 10 != 9)
            {
                c.Add(general[i], inDomain: false);
            }
        }
    }

    // Mean over the set of each member's highest cosine to another member: lower is more diverse.
    internal static double MeanNearest(TfIdfIndex index, List<SparseVector> vectors, IReadOnlyList<int> set)
    {
        if (set.Count < 2)
        {
            return 0;
        }
        double sum = 0;
        foreach (int a in set)
        {
            double best = 0;
            foreach (int b in set)
            {
                if (a != b)
                {
                    best = Math.Max(best, index.Cosine(vectors[a], b));
                }
            }
            sum += best;
        }
        return sum / set.Count;
    }

    private static double[] Standardize(double[] v)
    {
        double mean = v.Average();
        double sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
        return sd > 0 ? [.. v.Select(x => (x - mean) / sd)] : new double[v.Length];
    }

    // The quality field of each item's line (a number; JSONL only).
    private static double[] ReadQuality(TextSource corpus, string field, List<TextItem> items)
    {
        if (corpus.ResolvedFormat != TextFormat.Jsonl)
        {
            throw new SiftException($"--quality-field needs JSONL input; {corpus.Path} is read as plain text");
        }
        var byLine = new Dictionary<int, int>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            byLine[items[i].FirstLine] = i;
        }
        var q = new double[items.Count];
        foreach (var line in RawLines.Read(corpus.Path))
        {
            if (!byLine.TryGetValue(line.Number, out int i))
            {
                continue;
            }
            using var doc = JsonDocument.Parse(line.Content);
            if (!doc.RootElement.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble()))
            {
                throw new SiftException($"{corpus.Path}:{line.Number}: field \"{field}\" {(doc.RootElement.TryGetProperty(field, out _) ? "is not a finite number" : "missing")}; --quality-field needs a number on every line");
            }
            q[i] = v.GetDouble();
        }
        return q;
    }

    private static void Write(TextSource corpus, List<TextItem> items, int?[] rank, double[] score, string output, string? scoresPath)
    {
        if (corpus.ResolvedFormat == TextFormat.Text && corpus.Split == TextSplit.BlankLine)
        {
            throw new SiftException($"{corpus.Path}: selection copies lines; give JSONL or one item per line");
        }
        var keepLines = items.Where(i => rank[i.Index] is not null).Select(i => i.FirstLine).ToHashSet();
        LineCopy.Write(corpus.Path, keepLines, output);
        if (scoresPath is not null)
        {
            AtomicFile.WriteAllText(scoresPath, string.Concat(items.Select(i =>
                JsonSerializer.Serialize(new SelectedItem(i.Index, i.FirstLine, Math.Round(score[i.Index], 6), rank[i.Index]), Line) + "\n")));
        }
    }
}
