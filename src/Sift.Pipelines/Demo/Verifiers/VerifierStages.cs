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

    /// <summary>Batch of the generator: every sample of a few problems at once.</summary>
    public static int Batch(VerifierOptions o) => Math.Clamp(o.Samples * 2, 16, 64);

    /// <summary>"samples-s2".</summary>
    public static string Named(string stage, ulong seed) => FormattableString.Invariant($"{stage}-s{seed}");

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static VerifierStageInputs Inputs(SortedDictionary<string, string> upstream, SortedDictionary<string, string> settings) => new(upstream, settings);

    private StageRecord<T> Run<T>(string name, VerifierStageInputs inputs, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, Func<string, T> body) where T : IStageResult =>
        store.Run(name, Folder(name), inputs, VerifierJson.Default.VerifierStageInputs, info, (dir, _) => body(dir));
}
