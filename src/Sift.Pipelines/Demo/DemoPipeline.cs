using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Sift.Core.Reporting;

namespace Sift.Pipelines.Demo;

/// <summary>
/// `sift demo`: synth → tokenizer → pack → reference model → scoring → CLM, SLM and random students at an
/// equal step and token budget → evaluation at checkpoints → report.md, demo.svg and summary.json in the
/// output folder. Every stage is cached there: a rerun skips finished stages and a changed option redoes
/// only what depends on it.
/// <code>
/// OUT/data/        the synthetic corpus (sift data synth layout)
/// OUT/reference/   the reference model's run (model/ is the model)
/// OUT/score/       per-token reference losses of the web corpus
/// OUT/clm/ OUT/slm/ OUT/random/   the students' runs (metrics.jsonl holds every evaluation)
/// OUT/report.md OUT/demo.svg OUT/summary.json
/// </code>
/// </summary>
public sealed class DemoPipeline(DemoOptions options, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>The command line to print in the report.</summary>
    public string Command { get; init; } = "./sift demo";

    /// <summary>Runs (or resumes) the demo into <paramref name="outDir"/> and writes its report.</summary>
    public DemoResult Run(string outDir, CancellationToken cancel = default)
    {
        var o = options;
        o.Validate();
        outDir = Path.GetFullPath(outDir);
        Directory.CreateDirectory(outDir);
        double loadStart = LoadAverage();
        var clock = Stopwatch.StartNew();
        var stages = new DemoStages(new StageStore(_progress), DemoStages.FixedLayout(outDir), _progress);
        var records = new List<StageRecord>();
        int total = 3 + o.Arms.Count + (o.Arms.Contains("slm") ? 1 : 0);
        int n = 0;
        double? secondsPerStep = null; // measured on the reference run, for the later stages' estimates
        StageRecord Step(string what, Func<StageRecord> run, Func<double, double>? estimate = null)
        {
            string eta = secondsPerStep is double sps && estimate is not null ? $" (about {ConsoleProgress.Fmt(TimeSpan.FromSeconds(estimate(sps)))})" : "";
            _progress.Line($"[{++n}/{total}] {what}{eta}");
            var r = run();
            records.Add(r);
            _progress.Line($"      {(r.Cached ? "cached" : ConsoleProgress.Fmt(TimeSpan.FromSeconds(r.Seconds)))}");
            return r;
        }

        var synth = Step($"corpus, tokenizer and packing ({o.Corpus.CleanDocuments:N0} clean documents, {o.Corpus.WebChars:N0} web characters, noise {o.Corpus.Web.NoiseShare:P0})",
            () => stages.Synth(o, cancel: cancel));
        var reference = Step($"reference model on the clean corpus ({o.Model}, {o.Reference.Steps} steps of {o.TokensPerStep:N0} tokens)",
            () => stages.Reference(o, synth, cancel));
        if (!reference.Cached && reference.Result["steps"] is JsonValue st && (long)st > 0)
        {
            secondsPerStep = reference.Seconds / (long)st;
        }
        StageRecord? score = null;
        if (o.Arms.Contains("slm"))
        {
            long webTokens = synth.Result["tokens"]?["web"] is JsonValue wt ? (long)wt : 0;
            // Forward-only scoring runs at about 2.7x training speed (sift bench).
            score = Step("scoring every web token with the reference model", () => stages.Score(o, synth, reference, cancel),
                sps => webTokens / (double)o.TokensPerStep * sps / 2.7);
        }
        var arms = new List<StageRecord>();
        foreach (string arm in o.Arms)
        {
            string what = arm switch
            {
                "clm" => "CLM student (every token)",
                "slm" => $"SLM student (top {o.SelectRatio:P0} by excess loss)",
                "oracle" => $"oracle student ({o.SelectRatio:P0} of tokens, clean-labelled first)",
                _ => $"random-selection student ({o.SelectRatio:P0} of tokens at random)",
            };
            arms.Add(Step($"{what}, {o.Student.Steps} steps", () => stages.Student(o, arm, synth, score, cancel), sps => o.Student.Steps * sps));
        }
        _progress.Line($"[{total}/{total}] report");
        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        if (synth.Result["web_token_shares"] is JsonObject ws)
        {
            foreach (var (k, v) in ws)
            {
                shares[k] = (double)v!;
            }
        }
        var result = new DemoResult
        {
            Options = o,
            Folder = outDir,
            Stages = records,
            Reference = ArmResult.FromStage(reference),
            Arms = arms.Select(ArmResult.FromStage).ToList(),
            CorpusShares = shares,
            ScoringFlops = score?.Result["flops"] is JsonValue f ? (double)f : 0,
            WallSeconds = clock.Elapsed.TotalSeconds,
            Load = (loadStart, LoadAverage()),
            Command = Command,
        };
        DemoReport.WriteAll(result);
        return result;
    }

    /// <summary>The 1-minute load average (NaN where /proc/loadavg does not exist).</summary>
    public static double LoadAverage()
    {
        try
        {
            string s = File.ReadAllText("/proc/loadavg");
            return double.Parse(s.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }
}
