using System.Diagnostics;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Curation.Input;
using Sift.Curation.Text;

namespace Sift.Curation.Decontamination;

/// <summary>A finished run: the report, plus what a clean copy of the training file needs.</summary>
internal sealed class DecontaminationRun
{
    internal DecontaminationRun(DecontaminationReport report, TextSource training, IReadOnlyList<(int First, int Last)> flaggedRanges,
        IReadOnlyList<int> skippedLines, IReadOnlyList<IReadOnlyList<Neighbour>[]> neighbours)
    {
        Report = report;
        Training = training;
        FlaggedRanges = flaggedRanges;
        SkippedLines = skippedLines;
        Neighbours = neighbours;
    }

    /// <summary>The report.</summary>
    public DecontaminationReport Report { get; }

    /// <summary>The training file checked.</summary>
    public TextSource Training { get; }

    /// <summary>Line ranges of the flagged training items, increasing.</summary>
    internal IReadOnlyList<(int First, int Last)> FlaggedRanges { get; }

    /// <summary>Malformed training lines that were skipped.</summary>
    internal IReadOnlyList<int> SkippedLines { get; }

    /// <summary>Per benchmark (in report order), per item: its examined nearest training items.</summary>
    internal IReadOnlyList<IReadOnlyList<Neighbour>[]> Neighbours { get; }
}

/// <summary>
/// Finds benchmark items that also occur, nearly, in training data (Orca-Math's check, spec §5.3): every text is
/// normalised (<see cref="TextNormalizer"/>), training items get TF-IDF vectors in an inverted index, each benchmark
/// item's <see cref="DecontaminationOptions.TopK"/> nearest training items by cosine are found exactly, and each
/// such pair is scored by unigram and n-gram Jaccard and flagged above the thresholds.
/// </summary>
internal static class Decontaminator
{
    /// <summary>Runs the check of <paramref name="benchmarks"/> against the training file.</summary>
    public static DecontaminationRun Run(TextSource training, IReadOnlyList<BenchmarkInput> benchmarks, DecontaminationOptions options,
        IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        training.Validate();
        var checkedBenchmarks = benchmarks.Where(b => b.Missing is null).ToList();
        if (checkedBenchmarks.Count == 0)
        {
            throw new SiftException("no benchmark to check: " + (benchmarks.Count == 0 ? "none given"
                : string.Join("; ", benchmarks.Select(b => $"{b.Name}: {b.Missing}"))));
        }
        var total = Stopwatch.StartNew();

        // Read and normalise the training items.
        var vocab = new Vocabulary();
        var tokens = new List<int[]>();
        var ranges = new List<(int First, int Last)>();
        var readReport = new ReadReport();
        long fileBytes = new FileInfo(training.Path).Length, tokenCount = 0;
        char[] buffer = [];
        var scratch = new List<int>();
        long lastReport = 0;
        foreach (var item in TextItemReader.Read(training, options.BadLines, readReport, b =>
        {
            if (progress is not null && b - lastReport >= 1 << 22)
            {
                lastReport = b;
                progress.Report("read", b, fileBytes, $"{tokens.Count:N0} items");
            }
        }))
        {
            cancel.ThrowIfCancellationRequested();
            var ids = vocab.Encode(item.Text, ref buffer, scratch);
            tokenCount += ids.Length;
            tokens.Add(ids);
            ranges.Add((item.FirstLine, item.LastLine));
        }
        progress?.Report("read", fileBytes, fileBytes, $"{tokens.Count:N0} items");
        if (tokens.Count == 0)
        {
            throw new SiftException($"{training.Path}: no training items");
        }
        double readSeconds = total.Elapsed.TotalSeconds;

        var index = TfIdfIndex.Build(tokens, vocab.Count);
        double indexSeconds = total.Elapsed.TotalSeconds - readSeconds;

        // Benchmark items join the vocabulary after the index: their new terms have df = 0.
        var queries = new List<(int Bench, int Item, int[] Tokens)>();
        for (int b = 0; b < checkedBenchmarks.Count; b++)
        {
            for (int i = 0; i < checkedBenchmarks[b].Items.Count; i++)
            {
                queries.Add((b, i, vocab.Encode(checkedBenchmarks[b].Items[i].Text, ref buffer, scratch)));
            }
        }
        var vectors = queries.Select(q => index.Vectorize(q.Tokens)).ToArray();
        var hits = new Hit[queries.Count][];        // each item's last search: its k nearest, removed items excluded then
        var searchedK = new int[queries.Count];
        var visible = new Neighbour[queries.Count][]; // its nearest TopK among the items not removed
        var first = new Neighbour[queries.Count][];
        var flagged = new List<Neighbour>[queries.Count];
        var trainNgrams = new ulong[tokens.Count][];
        bool[]? removed = null;
        var todo = Enumerable.Range(0, queries.Count).ToList();
        int pass = 0;
        bool converged = true;
        var searchClock = Stopwatch.StartNew();
        while (todo.Count > 0)
        {
            pass++;
            string task = pass == 1 ? "search" : $"recheck {pass}";
            int done = 0;
            var gate = new object();
            Parallel.For(0, todo.Count, new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancel },
                () => new SearchScratch(),
                (i, _, s) =>
                {
                    int q = todo[i];
                    visible[q] = Look(q, s);
                    int d = Interlocked.Increment(ref done);
                    if (progress is not null && (d % 256 == 0 || d == todo.Count))
                    {
                        lock (gate)
                        {
                            progress.Report(task, d, todo.Count, $"{d:N0} of {todo.Count:N0} benchmark items");
                        }
                    }
                    return s;
                },
                _ => { });
            var newly = new HashSet<int>();
            foreach (int q in todo)
            {
                first[q] ??= visible[q];
                foreach (var n in visible[q].Where(n => n.Flagged && n.Pass == pass))
                {
                    (flagged[q] ??= []).Add(n);
                    newly.Add(n.TrainIndex);
                }
            }
            if (!options.UntilClean || newly.Count == 0)
            {
                break;
            }
            if (pass == MaxPasses)
            {
                converged = false;
                break;
            }
            // Flagged items are removed; benchmark items that had one among their nearest look again, further down.
            removed ??= new bool[tokens.Count];
            foreach (int d in newly)
            {
                removed[d] = true;
            }
            todo = [.. Enumerable.Range(0, queries.Count).Where(q => visible[q].Any(n => newly.Contains(n.TrainIndex)))];
        }

        // An item's nearest TopK not removed: from its last search while that still holds TopK of them (or held every
        // item with a positive score), else from a new, deeper search. Pairs seen in an earlier pass keep their verdict.
        Neighbour[] Look(int q, SearchScratch s)
        {
            if (hits[q] is null || (hits[q].Count(h => !removed![h.Doc]) < options.TopK && hits[q].Length == searchedK[q]))
            {
                // With removal on, the first search keeps a reserve, so losing a few items rarely needs a second one.
                searchedK[q] = hits[q] is null ? (options.UntilClean ? 2 * options.TopK : options.TopK) : Math.Max(4 * options.TopK, 2 * searchedK[q]);
                hits[q] = index.Search(vectors[q], searchedK[q], s, removed);
            }
            var seen = visible[q]?.ToDictionary(n => n.TrainIndex) ?? [];
            var result = new List<Neighbour>(options.TopK);
            foreach (var h in hits[q])
            {
                if (result.Count == options.TopK)
                {
                    break;
                }
                if (removed is not null && removed[h.Doc])
                {
                    continue;
                }
                result.Add(seen.TryGetValue(h.Doc, out var old) ? old with { Rank = result.Count + 1 }
                    : Examine(index, vocab, tokens, trainNgrams, queries[q].Tokens, vectors[q], h, result.Count + 1, pass, options));
            }
            return [.. result];
        }
        double searchSeconds = searchClock.Elapsed.TotalSeconds;

        var report = Assemble(training, options, benchmarks, first, flagged, ranges, readReport, tokenCount, vocab.Count, index.Postings, pass, converged);
        var perBenchmark = new List<IReadOnlyList<Neighbour>[]>();
        for (int b = 0, q = 0; b < checkedBenchmarks.Count; b++)
        {
            var items = new IReadOnlyList<Neighbour>[checkedBenchmarks[b].Items.Count];
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = first[q++];
            }
            perBenchmark.Add(items);
        }
        var flaggedRanges = report.Flagged.Select(p => (p.TrainLine, p.TrainLastLine)).Distinct().Order().ToList();
        var timings = new DecontaminationTimings(Round(readSeconds), Round(indexSeconds), Round(searchSeconds), Round(total.Elapsed.TotalSeconds));
        return new DecontaminationRun(report with { Timings = timings }, training, flaggedRanges, readReport.SkippedLines, perBenchmark);
    }

    /// <summary>Most search passes of <see cref="DecontaminationOptions.UntilClean"/>.</summary>
    internal const int MaxPasses = 100;

    // One (benchmark item, training item) pair's overlaps and verdict.
    private static Neighbour Examine(TfIdfIndex index, Vocabulary vocab, List<int[]> train, ulong[][] trainNgrams, int[] query, SparseVector vector,
        Hit hit, int rank, int pass, DecontaminationOptions o)
    {
        int d = hit.Doc;
        // Cached per training item; two threads may compute the same array, which is harmless.
        var tg = Volatile.Read(ref trainNgrams[d]);
        if (tg is null)
        {
            tg = Overlap.NGrams(train[d], o.NgramN);
            Volatile.Write(ref trainNgrams[d], tg);
        }
        double uni = Overlap.Jaccard(vector.Terms, index.Terms(d));
        double ngram = Overlap.Jaccard(Overlap.NGrams(query, o.NgramN), tg);
        bool same = Overlap.NumbersContained(query, train[d], vocab.IsNumber);
        bool isFlagged = (uni > o.UnigramThreshold || (o.NgramThreshold is { } t && ngram > t)) && (!o.RequireSameNumbers || same);
        return new Neighbour(d, pass, rank, hit.Score, uni, ngram, same, isFlagged);
    }

    private static DecontaminationReport Assemble(TextSource training, DecontaminationOptions o, IReadOnlyList<BenchmarkInput> all,
        Neighbour[][] first, List<Neighbour>?[] flaggedPerItem, List<(int First, int Last)> ranges, ReadReport readReport, long tokenCount,
        int vocabSize, long postings, int passes, bool converged)
    {
        // Training texts of flagged pairs are read again rather than kept for every item.
        var wanted = flaggedPerItem.SelectMany(r => r ?? []).Select(n => n.TrainIndex).ToHashSet();
        var texts = new Dictionary<int, string>();
        if (wanted.Count > 0)
        {
            foreach (var item in TextItemReader.Read(training, o.BadLines, new ReadReport()))
            {
                if (wanted.Contains(item.Index))
                {
                    texts[item.Index] = item.Text;
                }
            }
        }
        var flagged = new List<FlaggedPair>();
        var summaries = new List<BenchmarkSummary>();
        int q = 0;
        foreach (var b in all)
        {
            if (b.Missing is not null)
            {
                summaries.Add(new BenchmarkSummary(b.Name, b.Path, "missing", b.Missing, 0, 0, 0, 0, 0, 0));
                continue;
            }
            int flaggedItems = 0, flaggedPairs = 0;
            double maxCos = 0, maxUni = 0, maxNgram = 0;
            for (int i = 0; i < b.Items.Count; i++, q++)
            {
                var item = b.Items[i];
                foreach (var n in first[q])
                {
                    maxCos = Math.Max(maxCos, n.Cosine);
                    maxUni = Math.Max(maxUni, n.UnigramJaccard);
                    maxNgram = Math.Max(maxNgram, n.NgramJaccard);
                }
                var mine = flaggedPerItem[q] ?? [];
                foreach (var n in mine)
                {
                    var (firstLine, lastLine) = ranges[n.TrainIndex];
                    flagged.Add(new FlaggedPair(b.Name, item.Idx, item.Line, item.Text, n.TrainIndex, firstLine, lastLine, texts[n.TrainIndex],
                        n.Pass, n.Rank, Round(n.Cosine, 6), Round(n.UnigramJaccard, 6), Round(n.NgramJaccard, 6), n.SameNumbers));
                }
                flaggedPairs += mine.Count;
                flaggedItems += mine.Count > 0 ? 1 : 0;
            }
            summaries.Add(new BenchmarkSummary(b.Name, b.Path, "checked", null, b.Items.Count, flaggedItems, flaggedPairs,
                Round(maxCos, 6), Round(maxUni, 6), Round(maxNgram, 6)));
        }
        var settings = new DecontaminationSettings(o.TopK, o.UnigramThreshold, o.NgramN, o.NgramThreshold, o.RequireSameNumbers, o.UntilClean,
            "tf = count in the item, idf = ln((1 + N) / (1 + df)) + 1 over the N training items, L2-normalised",
            "lower case; tokens are runs of letters and digits (3.5 and 1,000 → 1000 kept whole); punctuation and apostrophes separate; English stop words removed");
        var fmt = training.ResolvedFormat;
        var trainingSummary = new TrainingSummary(Path.GetFullPath(training.Path), fmt == TextFormat.Jsonl ? "jsonl" : "text",
            fmt == TextFormat.Jsonl ? training.Fields : null, readReport.Items, readReport.Skipped, tokenCount, vocabSize, postings);
        return new DecontaminationReport(settings, trainingSummary, summaries, flagged, flagged.Select(p => p.TrainIndex).Distinct().Count(),
            passes, converged, new DecontaminationTimings(0, 0, 0, 0));
    }

    private static double Round(double v, int digits = 3) => Math.Round(v, digits);
}
