using System.Diagnostics;
using Sift.Core.IO;
using Sift.Core.Reporting;

namespace Sift.Pipelines.Demo.Study;

/// <summary>A measured study point: its configuration and the demo result at its budget.</summary>
/// <param name="Point">The configuration.</param>
/// <param name="Result">What the demo measured for it.</param>
/// <param name="RunSteps">Steps the students actually ran (more than the point's own when it was read off a longer run).</param>
internal sealed record StudyPointResult(StudyPoint Point, DemoResult Result, long RunSteps);

/// <summary>What a study measured.</summary>
/// <param name="Grid">The grid.</param>
/// <param name="Folder">Output folder.</param>
/// <param name="Points">Results in grid order.</param>
/// <param name="WallSeconds">Wall time of this invocation.</param>
/// <param name="ComputeSeconds">Wall time of every stage the study needed (cached ones at the time of the run that made them).</param>
internal sealed record StudyResult(StudyGrid Grid, string Folder, IReadOnlyList<StudyPointResult> Points, double WallSeconds, double ComputeSeconds)
{
    /// <summary>The command line (for the report).</summary>
    public string Command { get; init; } = "./sift demo --study";
}

/// <summary>
/// `sift demo --study`: runs every point of a <see cref="StudyGrid"/> through the demo's stages with
/// content-addressed folders under OUT/cache, so corpora, tokenizers, reference models (shared by corpora
/// that differ only in the web mixture), scores and students are computed once and reused by every point
/// (and by a rerun). With a constant student learning rate, points that differ only in student.steps are
/// read off the longest run (a shorter run with the same seed is its exact prefix). Writes OUT/study.md,
/// OUT/study.json and OUT/study-*.svg.
/// </summary>
internal sealed class StudyPipeline(StudyGrid grid, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>The command line to print in the report.</summary>
    public string Command { get; init; } = "./sift demo --study";

    /// <summary>Canonical identity of a configuration.</summary>
    public static string OptionsKey(DemoOptions o) => StageStore.Canonical(DemoSummary.OptionsIdentity(o));

    /// <summary>Runs (or resumes) the study into <paramref name="outDir"/> and writes its report.</summary>
    public StudyResult Run(string outDir, CancellationToken cancel = default)
    {
        outDir = Path.GetFullPath(outDir);
        Directory.CreateDirectory(outDir);
        var points = grid.Points();
        var clock = Stopwatch.StartNew();
        var stages = new DemoStages(new StageStore(_progress), DemoStages.ContentLayout(Path.Combine(outDir, "cache")), _progress);
        var results = new List<StudyPointResult>();
        var seen = new Dictionary<string, StageRecord>(StringComparer.Ordinal);
        double compute = 0;
        void Count(StageRecord r)
        {
            if (seen.TryAdd(r.Folder, r))
            {
                compute += r.Seconds;
            }
        }
        for (int i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var run = RunOptions(p.Options, points);
            _progress.Line($"[point {i + 1}/{points.Count}] {p.Label}" + (run.Steps != p.Options.Steps ? $" (read off the {run.Steps}-step run)" : ""));
            double load0 = DemoPipeline.LoadAverage();
            var sw = Stopwatch.StartNew();
            // One tokenizer per tokenizer setting, trained on the base corpus, so web variants share the reference model.
            var tokSource = stages.Synth(run with { Corpus = grid.Base.Corpus }, cancel: cancel);
            var synth = OptionsKey(run with { Corpus = grid.Base.Corpus }) == OptionsKey(run) ? tokSource : stages.Synth(run, tokSource, cancel);
            StageRecord<TrainStageResult>? baseModel = null;
            var records = new List<StageRecord> { tokSource };
            if (synth != tokSource)
            {
                records.Add(synth);
            }
            if (run.Regime == DemoRegime.Continued)
            {
                var general = stages.General(run, tokSource, cancel);
                baseModel = stages.Base(run, general, tokSource, cancel);
                records.Add(general);
                records.Add(baseModel);
            }
            var reference = stages.Reference(run, synth, baseModel, cancel);
            var score = run.NeedsScores ? stages.Score(run, synth, reference, cancel) : null;
            records.Add(reference);
            if (score is not null)
            {
                records.Add(score);
            }
            long steps = p.Options.Steps;
            var runs = new List<SeedRun>();
            foreach (ulong seed in run.Seeds)
            {
                var arms = run.Arms.Select(a => (Spec: a, Stage: stages.Student(run, a, seed, synth, score, baseModel, cancel))).ToList();
                records.AddRange(arms.Select(a => a.Stage));
                runs.Add(new SeedRun(seed, arms.Select(a => ArmResult.FromStage(a.Stage, a.Spec) with { Seed = seed })
                    .Select(a => a.Curve[^1].Step == steps ? a : a.Truncate(steps)).ToList()));
            }
            records.ForEach(Count);
            var result = new DemoResult
            {
                Options = p.Options,
                Folder = outDir,
                Stages = records,
                Reference = ArmResult.FromStage(reference, null),
                Base = baseModel is null ? null : ArmResult.FromStage(baseModel, null),
                Runs = runs,
                Arms = DemoPipeline.MeanArms(p.Options, runs),
                CorpusShares = synth.Result.WebTokenShares,
                ScoringFlops = score?.Result.ScoringFlops ?? 0,
                WallSeconds = sw.Elapsed.TotalSeconds,
                Load = (load0, DemoPipeline.LoadAverage()),
                Command = Command,
            };
            results.Add(new StudyPointResult(p, result, run.Steps));
            var v = result.Verdict;
            _progress.Line("    clean loss " + string.Join(" ", result.Arms.Select(a => $"{a.Name} {DemoReport.F3(a.CleanLoss)}")) + "; " +
                $"speedup tokens {v.SpeedupTokens.MeanSd("0.00")}x; {v.Conclusion}");
            // Partial reports after every point: a long study can be read while it runs.
            StudyReport.WriteAll(new StudyResult(grid, outDir, results, clock.Elapsed.TotalSeconds, compute) { Command = Command });
        }
        var final = new StudyResult(grid, outDir, results, clock.Elapsed.TotalSeconds, compute) { Command = Command };
        StudyReport.WriteAll(final);
        return final;
    }

    /// <summary>
    /// The options a point is trained with: with a constant student schedule, the longest student.steps among
    /// the points that differ from it only in student.steps (its curve contains theirs); otherwise its own.
    /// </summary>
    public static DemoOptions RunOptions(DemoOptions o, IReadOnlyList<StudyPoint> all)
    {
        if (o.Student.ScheduleKind != "constant")
        {
            return o;
        }
        string Sans(DemoOptions x) => OptionsKey(x with { Student = x.Student with { MaxSteps = 0 } });
        string me = Sans(o);
        long steps = all.Select(p => p.Options).Where(x => x.Student.ScheduleKind == "constant" && Sans(x) == me && x.Steps % x.EvalInterval == 0)
            .Select(x => x.Steps).DefaultIfEmpty(o.Steps).Max();
        return o.Steps % o.EvalInterval == 0 && steps > o.Steps
            ? o with { Student = o.Student.With([("train.max_steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture))], "study: the longest run of this point") }
            : o;
    }
}
