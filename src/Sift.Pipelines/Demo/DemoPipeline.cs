using System.Diagnostics;
using System.Globalization;
using Sift.Core.Reporting;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Demo;

/// <summary>
/// `sift demo`: synth → tokenizer → pack → [general text → base model] → reference model → scoring → CLM, SLM and
/// random students at an equal step and token budget, once per seed → evaluation at checkpoints → report.md, demo.svg
/// and summary.json in the output folder, with means, spreads and paired intervals over the seeds. Every stage is cached there: a rerun skips finished stages and a changed option redoes
/// only what depends on it.
/// <code>
/// OUT/data/        the synthetic corpus (sift data synth layout)
/// OUT/general/ OUT/base/   general text and the base model pretrained on it (continued regime)
/// OUT/reference/   the reference model's run (model/ is the model)
/// OUT/score/       per-token reference losses of the web corpus
/// OUT/clm-s1/ OUT/slm-s1/ OUT/random-s1/ ...   the students' runs, one per arm and seed (metrics.jsonl holds every evaluation)
/// OUT/report.md OUT/demo.svg OUT/summary.json OUT/tokens.html (tokens by excess loss, where SLM kept them)
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
        bool continued = o.Regime == DemoRegime.Continued;
        int total = 3 + (continued ? 2 : 0) + o.Arms.Count * o.Seeds.Count + (o.NeedsScores ? 1 : 0);
        int n = 0;
        double? secondsPerStep = null; // measured on the first training run, for the later stages' estimates
        StageRecord<T> Step<T>(string what, Func<StageRecord<T>> run, Func<double, double>? estimate = null) where T : IStageResult
        {
            string eta = secondsPerStep is double sps && estimate is not null ? $" (about {ConsoleProgress.Fmt(TimeSpan.FromSeconds(estimate(sps)))})" : "";
            _progress.Line($"[{++n}/{total}] {what}{eta}");
            var r = run();
            records.Add(r);
            _progress.Line($"      {(r.Cached ? "cached" : ConsoleProgress.Fmt(TimeSpan.FromSeconds(r.Seconds)))}");
            if (secondsPerStep is null && !r.Cached && r.Result is TrainStageResult t && t.Steps > 0)
            {
                secondsPerStep = r.Seconds / t.Steps;
            }
            return r;
        }

        var synth = Step($"corpus, tokenizer and packing ({o.Corpus.CleanDocuments:N0} clean documents, {o.Corpus.WebChars:N0} web characters, noise {o.Corpus.Web.NoiseShare:P0})",
            () => stages.Synth(o, cancel: cancel));
        StageRecord<TrainStageResult>? baseModel = null;
        if (continued)
        {
            var general = Step($"general text for the base model ({o.GeneralChars:N0} characters of the corpus's non-math kinds)", () => stages.General(o, synth, cancel));
            baseModel = Step($"base model on general text ({ModelText(o.Base, o.TokenizerVocab)}, {o.Base.MaxSteps} steps of {o.Base.TokensPerStep:N0} tokens)",
                () => stages.Base(o, general, synth, cancel));
        }
        var reference = Step($"reference model on the clean corpus ({(continued ? "from the base model" : ModelText(o.Reference, o.TokenizerVocab))}, {o.Reference.MaxSteps} steps of {o.Reference.TokensPerStep:N0} tokens)",
            () => stages.Reference(o, synth, baseModel, cancel), sps => o.Reference.MaxSteps * sps);
        StageRecord<ScoreStageResult>? score = null;
        if (o.NeedsScores)
        {
            long webTokens = synth.Result.WebTokenCount;
            // Forward-only scoring runs at about 2.7x training speed (sift bench).
            score = Step("scoring every web token with the reference model", () => stages.Score(o, synth, reference, cancel),
                sps => webTokens / (double)o.TokensPerStep * sps / 2.7);
        }
        var runs = new List<SeedRun>();
        StageRecord<TrainStageResult>? firstSlm = null;
        foreach (ulong seed in o.Seeds)
        {
            var arms = new List<ArmResult>();
            foreach (var arm in o.Arms)
            {
                var stage = Step($"{arm.Describe(o.Student)}, seed {seed}, {o.Steps} steps", () => stages.Student(o, arm, seed, synth, score, baseModel, cancel), sps => o.Steps * sps);
                arms.Add(ArmResult.FromStage(stage, arm) with { Seed = seed });
                if (arm.Name == DemoResult.Slm)
                {
                    firstSlm ??= stage;
                }
            }
            runs.Add(new SeedRun(seed, arms));
        }
        _progress.Line($"[{total}/{total}] report");
        string tokensPage = Path.Combine(outDir, "tokens.html");
        if (firstSlm is not null && score is not null)
        {
            // Token-level picture from the first seed's SLM student (a forward pass over one micro-batch).
            DemoTokens.Write(DemoTokens.Compute(o, synth.Result, score.Result, firstSlm.Result, $"the SLM student (seed {o.Seeds[0]}, final model)"), tokensPage);
        }
        else
        {
            File.Delete(tokensPage); // a page from an earlier run with SLM would no longer match this one
        }
        var result = new DemoResult
        {
            Options = o,
            Folder = outDir,
            Stages = records,
            Reference = ArmResult.FromStage(reference, null),
            Base = baseModel is null ? null : ArmResult.FromStage(baseModel, null),
            Runs = runs,
            Arms = MeanArms(o, runs),
            CorpusShares = synth.Result.WebTokenShares,
            ScoringFlops = score?.Result.ScoringFlops ?? 0,
            WallSeconds = clock.Elapsed.TotalSeconds,
            Load = (loadStart, LoadAverage()),
            Command = Command,
        };
        DemoReport.WriteAll(result);
        return result;
    }

    /// <summary>Each arm's mean over the seeds' runs, in arm order.</summary>
    public static List<ArmResult> MeanArms(DemoOptions o, IReadOnlyList<SeedRun> runs) =>
        o.Arms.Select(a => ArmResult.Mean(runs.Select(r => r.Arm(a.Name)!).ToList())).ToList();

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
