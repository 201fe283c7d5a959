using System.Diagnostics;
using System.Globalization;
using Sift.Core.Reporting;
using Sift.Engine.Inference;
using Sift.Eval.Datasets;
using Sift.Grading;
using Sift.Inference;
using Sift.Pipelines.Config;
using Sift.Pipelines.Training;
using Sift.Rewards.Labels;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>
/// The verifier demo's own stages, each cached by a <see cref="StageStore"/> in a fixed folder of the output (a rerun
/// skips finished stages; a changed option redoes what depends on it): sampling, Monte-Carlo step labels, verifier
/// training and scoring, one of each per seed.
/// </summary>
internal sealed class VerifierStages(StageStore store, string root, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>The stage folder of <paramref name="name"/> under the output.</summary>
    public string Folder(string name) => Path.Combine(root, name);

    /// <summary>The held-out problems split into the test problems (the curves') and the verifiers' training problems.</summary>
    public static (List<HeldOutProblem> Test, List<HeldOutProblem> Train) Split(VerifierOptions o, string evalJsonl)
    {
        var all = ProblemProbe.Load(evalJsonl);
        if (all.Count < o.TestProblems + o.TrainProblems)
        {
            throw new Core.SiftException($"{evalJsonl}: {all.Count} held-out problems, fewer than {o.TestProblems} test + {o.TrainProblems} training problems");
        }
        return (all.Take(o.TestProblems).ToList(), all.Skip(o.TestProblems).Take(o.TrainProblems).ToList());
    }

    /// <summary>N samples per test problem and <see cref="VerifierOptions.TrainSamples"/> per training problem, drawn with <paramref name="seed"/>.</summary>
    public StageRecord<SamplesStageResult> Samples(VerifierOptions o, ulong seed, StageRecord<SynthStageResult> synth, StageRecord<TrainStageResult> solver, CancellationToken cancel = default)
    {
        string name = Named("samples", seed);
        var inputs = Inputs(new() { ["synth"] = synth.Key, ["solver"] = solver.Key }, new()
        {
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["test_problems"] = I(o.TestProblems),
            ["samples"] = I(o.Samples),
            ["train_problems"] = I(o.TrainProblems),
            ["train_samples"] = I(o.TrainSamples),
            ["temperature"] = Kinds.Number(o.Temperature),
            ["max_tokens"] = I(o.MaxTokens),
        });
        return Run(name, inputs, VerifierJson.Default.SamplesStageResult, dir =>
        {
            var (test, train) = Split(o, synth.Result.Eval);
            using var lm = LoadedModel.Open(solver.Result.Model, o.Threads, o.Solver.Student.Gemm);
            var sampler = new SolutionSampler(lm, Batch(o), _progress);
            var sw = Stopwatch.StartNew();
            var testSamples = sampler.Draw(test, o.Samples, o.Temperature, o.MaxTokens, seed, $"samples {name} test", cancel);
            // The training split's samples use their own seed stream (distinct problems anyway).
            var trainSamples = sampler.Draw(train, o.TrainSamples, o.Temperature, o.MaxTokens, seed ^ 0x7A11_5EED, $"samples {name} train", cancel);
            string testPath = Path.Combine(dir, "test.jsonl"), trainPath = Path.Combine(dir, "train.jsonl");
            SolutionSampler.Write(testPath, testSamples);
            SolutionSampler.Write(trainPath, trainSamples);
            return new SamplesStageResult
            {
                Test = testPath,
                Train = trainPath,
                TestAccuracy = Math.Round(testSamples.Average(s => s.Correct ? 1.0 : 0.0), 6),
                TrainAccuracy = Math.Round(trainSamples.Average(s => s.Correct ? 1.0 : 0.0), 6),
                Samples = testSamples.Count + trainSamples.Count,
                SamplesPerSecond = Math.Round((testSamples.Count + trainSamples.Count) / Math.Max(1e-9, sw.Elapsed.TotalSeconds), 2),
            };
        });
    }

    /// <summary>
    /// Math-Shepherd's automatic step labels on the training samples: <see cref="VerifierOptions.Rollouts"/> solver
    /// completions from each step prefix (steps are the solution's lines), graded against the gold (<c>sift rm label</c>'s library).
    /// </summary>
    public StageRecord<LabelsStageResult> Labels(VerifierOptions o, ulong seed, StageRecord<SamplesStageResult> samples, StageRecord<TrainStageResult> solver, CancellationToken cancel = default)
    {
        string name = Named("labels", seed);
        var inputs = Inputs(new() { ["samples"] = samples.Key, ["solver"] = solver.Key }, new()
        {
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["rollouts"] = I(o.Rollouts),
            ["temperature"] = Kinds.Number(o.Temperature),
            ["max_tokens"] = I(o.MaxTokens),
        });
        return Run(name, inputs, VerifierJson.Default.LabelsStageResult, dir =>
        {
            using var lm = LoadedModel.Open(solver.Result.Model, o.Threads, o.Solver.Student.Gemm);
            using var backend = new LocalCompletionBackend(lm, Batch(o));
            // The solver's layout: question, line break, one step per line; a rollout continues after the prefix's line break.
            var labeler = new McStepLabeler(backend, new McLabelOptions(o.Rollouts, o.MaxTokens, new SamplingOptions { Temperature = o.Temperature }, seed,
                GradeMode.Strict, "{question}\n{steps}\n", [], StepJoin: "\n"));
            string output = Path.Combine(dir, "labels.jsonl");
            var settings = new Dictionary<string, string?> { ["solver"] = solver.Key, ["rollouts"] = I(o.Rollouts) };
            var s = new McLabelRun(labeler, new McLabelRunOptions(LabelFormat.MathShepherd, "gold", "\n", 64, BadLinePolicy.Skip, settings), _progress)
                .Run(samples.Result.Train, output, cancel: cancel);
            return new LabelsStageResult { Labels = output, Steps = s.Steps, PositiveSteps = s.PositiveSteps, Rollouts = s.Completions };
        });
    }

    /// <summary>
    /// A verifier trained from the solver's weights: the PRM on <paramref name="labels"/>' step labels, the ORM on the
    /// training samples' outcomes (the same problems, the same samples). Lines the labeller could not use are left out.
    /// </summary>
    public StageRecord<TrainStageResult> Verifier(VerifierOptions o, VerifierKind kind, ulong seed, StageRecord<SamplesStageResult> samples, StageRecord<LabelsStageResult> labels,
        StageRecord<SynthStageResult> synth, StageRecord<TrainStageResult> solver, CancellationToken cancel = default)
    {
        string name = Named(VerifierTraining.Name(kind), seed);
        var recipe = VerifierRecipe(o, kind, seed, solver);
        var settings = new SortedDictionary<string, string>(recipe.ResultValues(), StringComparer.Ordinal);
        var upstream = new SortedDictionary<string, string> { ["solver"] = solver.Key, ["data"] = kind == VerifierKind.Prm ? labels.Key : samples.Key };
        return store.Run(name, Folder(name), new VerifierStageInputs(upstream, settings), VerifierJson.Default.VerifierStageInputs, PipelinesJson.Default.TrainStageResult, (dir, _) =>
        {
            string input = Path.Combine(dir, "input.jsonl");
            // Labels of lines the labeller skipped carry rm_error and no steps: they are not training data.
            Core.IO.AtomicFile.WriteAllText(input, string.Concat(File.ReadLines(kind == VerifierKind.Prm ? labels.Result.Labels : samples.Result.Train)
                .Where(l => l.Length > 0 && !l.Contains("\"rm_error\"", StringComparison.Ordinal)).Select(l => l + "\n")));
            string data = Path.Combine(dir, "data");
            VerifierTraining.Pack(kind, synth.Result.Tokenizer, input, data, o.VerifierSeqLen, o.Threads, cancel);
            var run = recipe.With([("out_dir", Path.Combine(dir, "run")), ("data.train", data)], $"demo verifiers: {name}");
            var s = new TrainingRun(run, _progress).Execute(resume: true, cancel);
            if (s.Stopped)
            {
                throw new OperationCanceledException("training was stopped before its last step");
            }
            return new TrainStageResult
            {
                Run = s.RunDir,
                Model = s.ModelDir,
                Metrics = Path.Combine(s.RunDir, "metrics.jsonl"),
                Steps = s.Steps,
                Tokens = s.Tokens,
                TrainedTokens = s.TrainedTokens,
                TrainSeconds = Math.Round(s.Seconds, 3),
                StepSeconds = Math.Round(s.StepSeconds, 4),
                ObjectiveSeconds = Math.Round(s.ObjectiveSeconds, 4),
                TokensPerSecond = Math.Round(s.TokensPerSecond, 1),
            };
        });
    }

    /// <summary>The verifier's recipe: the solver's, from the solver's weights, with the verifier's objective, steps and seed.</summary>
    public static TrainRecipe VerifierRecipe(VerifierOptions o, VerifierKind kind, ulong seed, StageRecord<TrainStageResult> solver) =>
        o.Solver.Reference.Without(k => k.StartsWith("model.", StringComparison.Ordinal) || k.StartsWith("eval.", StringComparison.Ordinal), "demo verifiers")
            .With(
            [
                ("model.init_from", solver.Result.Model),
                ("train.objective", VerifierTraining.Name(kind)),
                ("train.max_steps", I(o.VerifierSteps)),
                ("train.seq_len", I(o.VerifierSeqLen)),
                ("train.seed", seed.ToString(CultureInfo.InvariantCulture)),
                ("optim.warmup_steps", I(Math.Max(1, o.VerifierSteps / 10))),
                ("optim.lr", Kinds.Number(o.VerifierLr)),
                ("optim.min_lr", Kinds.Number(o.VerifierLr / 10)),
                ("data.holdout_every", "0"),
                ("eval.interval", "0"),
                ("checkpoint.interval", I(o.VerifierSteps)),
                ("checkpoint.keep", "1"),
            ], $"demo verifiers: {VerifierTraining.Name(kind)}");

    /// <summary>Both verifiers' scores of every test sample.</summary>
    public StageRecord<ScoresStageResult> Scores(VerifierOptions o, ulong seed, StageRecord<SamplesStageResult> samples, StageRecord<TrainStageResult> prm, StageRecord<TrainStageResult> orm,
        CancellationToken cancel = default)
    {
        string name = Named("scores", seed);
        var inputs = Inputs(new() { ["samples"] = samples.Key, ["prm"] = prm.Key, ["orm"] = orm.Key }, new());
        return Run(name, inputs, VerifierJson.Default.ScoresStageResult, dir =>
        {
            var test = SolutionSampler.Read(samples.Result.Test);
            double[] Score(VerifierKind k, StageRecord<TrainStageResult> model)
            {
                using var lm = LoadedModel.Open(model.Result.Model, o.Threads, o.Solver.Student.Gemm);
                return VerifierTraining.Score(k, lm, test, _progress, $"score {name} {VerifierTraining.Name(k)}", cancel);
            }
            double[] p = Score(VerifierKind.Prm, prm), r = Score(VerifierKind.Orm, orm);
            string path = Path.Combine(dir, "scores.jsonl");
            Core.IO.AtomicFile.WriteAllText(path, string.Concat(test.Select((x, i) => System.Text.Json.JsonSerializer.Serialize(
                new SampleScores { Problem = x.Problem, Sample = x.Sample, Prm = Math.Round(p[i], 6), Orm = Math.Round(r[i], 6) }, VerifierJson.Default.SampleScores) + "\n")));
            return new ScoresStageResult { Scores = path };
        });
    }

    /// <summary>Batch of the generator: every sample of a few problems at once.</summary>
    public static int Batch(VerifierOptions o) => Math.Clamp(o.Samples * 2, 16, 64);

    /// <summary>"samples-s2".</summary>
    public static string Named(string stage, ulong seed) => FormattableString.Invariant($"{stage}-s{seed}");

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static VerifierStageInputs Inputs(SortedDictionary<string, string> upstream, SortedDictionary<string, string> settings) => new(upstream, settings);

    private StageRecord<T> Run<T>(string name, VerifierStageInputs inputs, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, Func<string, T> body) where T : IStageResult =>
        store.Run(name, Folder(name), inputs, VerifierJson.Default.VerifierStageInputs, info, (dir, _) => body(dir));
}
