using System.Diagnostics;
using System.Globalization;
using Sift.Core.Reporting;
using Sift.Pipelines.Training;

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
internal sealed class DemoPipeline(DemoOptions options, IProgressReporter? progress = null)
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
        int total = 3 + o.Arms.Count + (o.NeedsScores ? 1 : 0);
        int n = 0;
        double? secondsPerStep = null; // measured on the reference run, for the later stages' estimates
        StageRecord<T> Step<T>(string what, Func<StageRecord<T>> run, Func<double, double>? estimate = null) where T : IStageResult
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
        var reference = Step($"reference model on the clean corpus ({ModelText(o.Reference, o.TokenizerVocab)}, {o.Reference.MaxSteps} steps of {o.Reference.TokensPerStep:N0} tokens)",
            () => stages.Reference(o, synth, cancel));
        if (!reference.Cached && reference.Result.Steps > 0)
        {
            secondsPerStep = reference.Seconds / reference.Result.Steps;
        }
        StageRecord<ScoreStageResult>? score = null;
        if (o.NeedsScores)
        {
            long webTokens = synth.Result.WebTokenCount;
            // Forward-only scoring runs at about 2.7x training speed (sift bench).
            score = Step("scoring every web token with the reference model", () => stages.Score(o, synth, reference, cancel),
                sps => webTokens / (double)o.TokensPerStep * sps / 2.7);
        }
        var arms = new List<ArmResult>();
        foreach (var arm in o.Arms)
        {
            var stage = Step($"{arm.Describe(o.Student)}, {o.Steps} steps", () => stages.Student(o, arm, synth, score, cancel), sps => o.Steps * sps);
            arms.Add(ArmResult.FromStage(stage, arm));
        }
        _progress.Line($"[{total}/{total}] report");
        var result = new DemoResult
        {
            Options = o,
            Folder = outDir,
            Stages = records,
            Reference = ArmResult.FromStage(reference, null),
            Arms = arms,
            CorpusShares = synth.Result.WebTokenShares,
            ScoringFlops = score?.Result.ScoringFlops ?? 0,
            WallSeconds = clock.Elapsed.TotalSeconds,
            Load = (loadStart, LoadAverage()),
            Command = Command,
        };
        DemoReport.WriteAll(result);
        return result;
    }

    /// <summary>"d128 L4 h4 ffn384" for a recipe's model.</summary>
    public static string ModelText(TrainRecipe r, int vocab)
    {
        var c = r.ResolveModelConfig(vocab, 0);
        return FormattableString.Invariant($"d{c.HiddenSize} L{c.NumHiddenLayers} h{c.NumAttentionHeads} ffn{c.IntermediateSize}");
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
