using System.Diagnostics;
using Sift.Core.Reporting;
using Sift.Synth;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>What one run of the verifier demo produced.</summary>
/// <param name="Summary">The summary (also in summary.json).</param>
/// <param name="Folder">The output folder.</param>
/// <param name="Stages">Every stage, in order.</param>
/// <param name="Seeds">Each seed's curves.</param>
internal sealed record VerifierResult(VerifierSummary Summary, string Folder, IReadOnlyList<StageRecord> Stages, IReadOnlyList<SeedCurves> Seeds);

/// <summary>
/// `sift demo verifiers`: the demo's corpus and reference model (the solver, the same stages as `sift demo`) → per seed:
/// N samples per test problem and a few per training problem → Monte-Carlo step labels on the training samples →
/// PRM and ORM trained from them → both verifiers score the test samples → pass@N, majority@N, ORM/PRM best-of-N and
/// weighted voting against N over the seeds → console table, report.md, verifiers.svg, summary.json.
/// <code>
/// OUT/data/ OUT/reference/      corpus and solver (as sift demo lays them out)
/// OUT/samples-s1/               test.jsonl (N per test problem) and train.jsonl, graded
/// OUT/labels-s1/                Monte-Carlo step labels of train.jsonl (math-shepherd layout)
/// OUT/prm-s1/ OUT/orm-s1/       the verifiers' training runs
/// OUT/scores-s1/                scores.jsonl: each test sample's PRM and ORM score
/// </code>
/// </summary>
internal sealed class VerifierPipeline(VerifierOptions options, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>The command line to print in the report.</summary>
    public string Command { get; init; } = "./sift demo verifiers";

    /// <summary>Runs (or resumes) the demo into <paramref name="outDir"/> and writes its report.</summary>
    public VerifierResult Run(string outDir, CancellationToken cancel = default)
    {
        var o = options;
        o.Validate();
        outDir = Path.GetFullPath(outDir);
        Directory.CreateDirectory(outDir);
        double loadStart = DemoPipeline.LoadAverage();
        var clock = Stopwatch.StartNew();
        var store = new StageStore(_progress);
        var demo = new DemoStages(store, DemoStages.FixedLayout(outDir), _progress);
        var stages = new VerifierStages(store, outDir, _progress);
        var steps = new StageSteps(2 + o.Seeds.Count * 5 + 1, _progress);
        StageRecord<T> Step<T>(string what, Func<StageRecord<T>> run) where T : IStageResult => steps.Run(what, run);

        var s = o.Solver;
        var synth = Step($"corpus, tokenizer and packing ({s.Corpus.CleanDocuments:N0} clean documents; held-out {TierNames.Format(s.Corpus.EvalTiers)} problems)", () => demo.Synth(s, cancel: cancel));
        var solver = Step($"solver: the demo's reference model ({DemoPipeline.ModelText(s.Reference, s.TokenizerVocab)}, {s.Reference.MaxSteps} steps on the clean corpus)",
            () => demo.Reference(s, synth, null, cancel));
        var seedCurves = new List<SeedCurves>();
        var sampleAccuracy = new List<double>();
        var positive = new List<double>();
        foreach (ulong seed in o.Seeds)
        {
            var samples = Step($"seed {seed}: {o.TestProblems} test problems × {o.Samples} samples, {o.TrainProblems} training problems × {o.TrainSamples}",
                () => stages.Samples(o, seed, synth, solver, cancel));
            var labels = Step($"seed {seed}: Monte-Carlo step labels ({o.Rollouts} rollouts per step prefix)", () => stages.Labels(o, seed, samples, solver, cancel));
            sampleAccuracy.Add(Math.Round(samples.Result.TestAccuracy * 100, 4));
            positive.Add(labels.Result.Steps > 0 ? Math.Round(100.0 * labels.Result.PositiveSteps / labels.Result.Steps, 4) : double.NaN);
            var prm = Step($"seed {seed}: PRM from the step labels ({o.VerifierSteps} steps from the solver's weights)", () => stages.Verifier(o, VerifierKind.Prm, seed, samples, labels, synth, solver, cancel));
            var orm = Step($"seed {seed}: ORM from the outcome labels ({o.VerifierSteps} steps from the solver's weights)", () => stages.Verifier(o, VerifierKind.Orm, seed, samples, labels, synth, solver, cancel));
            var scores = Step($"seed {seed}: PRM and ORM score the {o.TestProblems * o.Samples:N0} test samples", () => stages.Scores(o, seed, samples, prm, orm, cancel));
            var test = SolutionSampler.Read(samples.Result.Test);
            var sc = JsonlRecords.Read(scores.Result.Scores, VerifierJson.Default.SampleScores);
            seedCurves.Add(VerifierCurves.Compute(seed, test, sc, o.Trials));
        }
        steps.Last("report");
        var curves = VerifierAggregate.Curves(seedCurves);
        double loadEnd = DemoPipeline.LoadAverage();
        var summary = new VerifierSummary
        {
            Command = Command,
            Solver = DemoPipeline.ModelText(s.Reference, s.TokenizerVocab),
            SolverGreedyAccuracy = solver.Result.FinalEval?.Accuracy,
            Tiers = TierNames.Format(s.Corpus.EvalTiers),
            TestProblems = o.TestProblems,
            Samples = o.Samples,
            TrainProblems = o.TrainProblems,
            TrainSamples = o.TrainSamples,
            Rollouts = o.Rollouts,
            Temperature = Math.Round(o.Temperature, 4),
            Trials = o.Trials,
            Seeds = o.Seeds,
            SampleAccuracy = sampleAccuracy,
            PositiveStepShare = positive,
            Curves = curves,
            Reading = VerifierAggregate.Reading(curves),
            Stages = steps.Records.Select(r => new StageTiming(r.Name, r.Seconds, r.Cached)).ToList(),
            WallSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            LoadStart = double.IsFinite(loadStart) ? loadStart : null,
            LoadEnd = double.IsFinite(loadEnd) ? loadEnd : null,
            Threads = o.Threads,
        };
        VerifierReport.WriteAll(summary, outDir);
        return new VerifierResult(summary, outDir, steps.Records, seedCurves);
    }
}
