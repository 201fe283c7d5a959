using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Random;
using Sift.Core.Reporting;
using Sift.Curation.Input;
using Sift.Synth;

namespace Sift.Curation.Decontamination;

/// <summary>The result of <see cref="DecontaminationBench.Run"/>.</summary>
/// <param name="Run">The decontamination run (its report holds the timings).</param>
/// <param name="TrainingFile">The generated training file.</param>
/// <param name="GenerateSeconds">Seconds spent generating it (not part of the decontamination time).</param>
/// <param name="Planted">Benchmark items planted in the training file with their numbers changed.</param>
/// <param name="PlantedFound">Planted items flagged against the benchmark item they came from.</param>
internal sealed record BenchResult(DecontaminationRun Run, string TrainingFile, double GenerateSeconds, int Planted, int PlantedFound);

/// <summary>
/// A benchmark of the decontamination at scale: a synthetic training file of word problems and math prose from the
/// built-in generator (<see cref="SynthCorpus"/>) with some benchmark items planted in it (numbers changed, so
/// each is a near-duplicate rather than a copy), checked against the benchmarks given.
/// </summary>
internal partial class DecontaminationBench
{
    /// <summary>Generates <paramref name="items"/> training items in <paramref name="folder"/> and runs the check.</summary>
    public static BenchResult Run(IReadOnlyList<BenchmarkInput> benchmarks, string folder, int items, int planted, ulong seed,
        DecontaminationOptions options, IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        var present = benchmarks.Where(b => b.Missing is null && b.Items.Count > 0).ToList();
        if (present.Count == 0)
        {
            throw new SiftException("the bench needs benchmark files: none was found (give --data DIR or put the shared data at ../shared)");
        }
        if (items < 1 || planted < 0 || planted > items)
        {
            throw new SiftException($"bench: expected 1 or more items and 0 .. items planted, got {items} items and {planted} planted");
        }
        var clock = Stopwatch.StartNew();
        string path = Path.Combine(folder, "bench-train.jsonl");
        var rng = new Rng(seed ^ 0xDEC0);
        var plants = new SortedDictionary<int, (string Benchmark, int Idx, string Text)>();
        while (plants.Count < planted)
        {
            var b = present[rng.NextInt(present.Count)];
            var item = b.Items[rng.NextInt(b.Items.Count)];
            plants.TryAdd(rng.NextInt(items), (b.Name, item.Idx, ChangeNumbers(item.Text)));
        }
        var corpus = new SynthCorpus(new SynthOptions { Seed = seed, CleanDocuments = items - planted, WebChars = 0, EvalPerTier = 1 });
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            using var docs = corpus.CleanDocuments().GetEnumerator();
            for (int i = 0; i < items; i++)
            {
                cancel.ThrowIfCancellationRequested();
                string text = plants.TryGetValue(i, out var p) ? p.Text : docs.MoveNext() ? docs.Current.Text : throw new InvalidOperationException("corpus ran short");
                w.Write("{\"text\":");
                w.Write(JsonSerializer.Serialize(text));
                w.Write("}\n");
                if (progress is not null && i % 10_000 == 0)
                {
                    progress.Report("generate", i, items, $"{i:N0} training items");
                }
            }
        });
        double generate = clock.Elapsed.TotalSeconds;
        var run = Decontaminator.Run(new TextSource { Path = path, Format = TextFormat.Jsonl, Fields = ["text"] }, benchmarks, options, progress, cancel);
        int found = plants.Count(kv => run.Report.Flagged.Any(f => f.TrainIndex == kv.Key && f.Benchmark == kv.Value.Benchmark && f.Idx == kv.Value.Idx));
        return new BenchResult(run, path, Math.Round(generate, 3), plants.Count, found);
    }

    /// <summary>Every integer in the text plus one ("48 clips" → "49 clips"): a near-duplicate with other numbers.</summary>
    internal static string ChangeNumbers(string text) => Integer().Replace(text, m => (long.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"(?<![\d.])\d{1,15}(?![\d.])")]
    private static partial Regex Integer();
}
