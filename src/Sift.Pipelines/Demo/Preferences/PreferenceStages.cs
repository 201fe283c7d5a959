using System.Globalization;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Data.Examples;
using Sift.Pipelines.SelfTrain;
using Sift.Pipelines.Training;
using Sift.Pipelines.Training.Objectives;
using Sift.Text;

namespace Sift.Pipelines.Demo.Preferences;

/// <summary>
/// The preference demo's own stages, cached by <see cref="StageStore"/> like `sift demo`'s (whose corpus and base-model
/// stages it runs through <see cref="DemoStages"/>): the decontaminated training problems with their SFT examples, the
/// SFT run of each seed, and each rule's self-training iterations per seed, every model judged on the held-out problems.
/// </summary>
internal sealed class PreferenceStages(StageStore store, DemoStages demo, string root, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>The corpus's training problems, decontaminated against the held-out set, as SFT examples and self-training problems.</summary>
    public StageRecord<ProblemsStageResult> Problems(PreferenceOptions o, StageRecord<SynthStageResult> synth, CancellationToken cancel = default)
    {
        var inputs = new ProblemsStageInputs(synth.Key, o.LeakThreshold, o.Sft.SeqLen, o.Problems);
        return store.Run("problems", Path.Combine(root, "problems"), inputs, PreferenceJson.Default.ProblemsStageInputs, PreferenceJson.Default.ProblemsStageResult, (dir, _) =>
        {
            string all = Path.Combine(dir, "all.jsonl");
            TrainingProblems.Write(TrainingProblems.FromCleanCorpus(Path.Combine(Path.GetDirectoryName(synth.Result.CleanTokens)!, "train.jsonl")), all);
            _progress.Line("decontaminating the training problems against the held-out set");
            var leaks = LeakCheck.Run(all, synth.Result.Eval, dir, o.LeakThreshold, o.Threads, cancel);
            string clean = Path.Combine(dir, "clean.jsonl");
            var problems = ProblemProbe.Load(clean);
            string sftJsonl = Path.Combine(dir, "sft.jsonl"), sftDir = Path.Combine(dir, "sft");
            TrainingProblems.WriteSft(problems, sftJsonl);
            var tok = TokenizerFactory.Load(synth.Result.Tokenizer);
            // BOS (the corpus's separator) before each prompt, as the held-out probe lays out its prompts.
            var manifest = new ExamplePacker(tok, new ExamplePackOptions { Kind = ExampleKind.Sft, MaxLength = o.Sft.SeqLen, AddBos = true, Threads = o.Threads, Overwrite = true })
                .Pack([sftJsonl], sftDir, cancel: cancel);
            string selftrain = Path.Combine(dir, "selftrain.jsonl");
            var easy = problems.Where(p => p.Tier == "easy").Take(o.Problems).ToList();
            TrainingProblems.Write(easy, selftrain);
            return new ProblemsStageResult
            {
                All = all,
                Clean = clean,
                Sft = sftDir,
                SftExamples = manifest.Examples,
                SelfTrain = selftrain,
                SelfTrainProblems = easy.Count,
                Leaks = leaks,
            };
        });
    }

    /// <summary>The stage name of the SFT run of <paramref name="seed"/> ("sft-s2").</summary>
    public static string SftName(ulong seed) => FormattableString.Invariant($"sft-s{seed}");

    /// <summary>Answer-only SFT from the base model on the clean problems (seed: data order), judged on the held-out problems at the end.</summary>
    public StageRecord<TrainStageResult> Sft(PreferenceOptions o, ulong seed, StageRecord<SynthStageResult> synth, StageRecord<ProblemsStageResult> problems,
        StageRecord<TrainStageResult> baseModel, CancellationToken cancel = default)
    {
        var recipe = o.Sft.With([("train.objective", SftObjective.Spec.Name), ("train.seed", seed.ToString(CultureInfo.InvariantCulture))], "preferences: sft");
        return demo.Train(SftName(seed), recipe, problems.Key, null, synth, problems.Result.Sft, baseModel, cancel);
    }

    /// <summary>
    /// A rule's self-training iterations (<see cref="SelfTrainLoop"/>) from a seed's SFT model on the easy clean problems;
    /// every iteration's model is then judged on the held-out problems with the SFT run's evaluation settings.
    /// </summary>
    public StageRecord<SelfTrainStageResult> SelfTrain(PreferenceOptions o, string rule, ulong seed, StageRecord<TrainStageResult> sft,
        StageRecord<ProblemsStageResult> problems, StageRecord<SynthStageResult> synth, CancellationToken cancel = default)
    {
        string I(double v) => v.ToString(CultureInfo.InvariantCulture);
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["iterations"] = I(o.Iterations),
            ["samples"] = I(o.Samples),
            ["temperature"] = I(o.Temperature),
            ["top_p"] = I(o.TopP),
            ["max_tokens"] = I(MaxSampleTokens),
            ["train"] = string.Join(" ", o.PreferenceTrain),
            ["eval"] = $"{o.Sft.EvalAccuracyProblems}/{o.Sft.EvalFinalAccuracyProblems}/{o.Sft.EvalMaxNewTokens}",
        };
        var inputs = new SelfTrainStageInputs(rule, seed, sft.Key, problems.Key, settings);
        string name = FormattableString.Invariant($"{rule}-s{seed}");
        return store.Run(name, Path.Combine(root, name), inputs, PreferenceJson.Default.SelfTrainStageInputs, PreferenceJson.Default.SelfTrainStageResult, (dir, _) =>
        {
            var loop = new SelfTrainLoop(new SelfTrainOptions
            {
                Model = sft.Result.Model,
                Problems = problems.Result.SelfTrain,
                Tokenizer = synth.Result.Tokenizer,
                Rule = SelfTrainRules.Parse(rule),
                Iterations = o.Iterations,
                SamplesPerProblem = o.Samples,
                Temperature = (float)o.Temperature,
                TopP = (float)o.TopP,
                MaxTokens = MaxSampleTokens,
                Seed = seed,
                TrainOverrides = o.PreferenceTrain,
                Threads = o.Threads,
            });
            var iterations = loop.Run(dir, _progress, cancel);
            return new SelfTrainStageResult
            {
                Run = dir,
                Iterations = [.. iterations.Select(it => new IterationResult
                {
                    Iteration = it.Iteration,
                    Model = it.Checkpoint,
                    Trained = it.Trained,
                    SampleAccuracy = it.Metrics.SampleAccuracy,
                    Examples = it.Metrics.Examples,
                    Steps = it.Metrics.TrainSteps,
                    SampleSeconds = it.Metrics.SampleSeconds,
                    TrainSeconds = it.Metrics.TrainSeconds,
                    HeldOut = Judge(it.Checkpoint, synth.Result.Eval, synth.Result.Tokenizer, o.Sft, o.Threads),
                })],
            };
        });
    }

    // Most new tokens per sample: the built-in solutions are under 100 tokens, so this only cuts runaway samples short.
    private const int MaxSampleTokens = 128;

    /// <summary>Judges the model in <paramref name="modelDir"/> on the held-out problems exactly as a training run's final evaluation does.</summary>
    public static HeldOutScore Judge(string modelDir, string evalJsonl, string tokenizerDir, TrainRecipe recipe, int threads)
    {
        using var lm = Sift.Inference.LoadedModel.Open(modelDir, threads, recipe.Gemm);
        var probe = new ProblemProbe(ProblemProbe.Load(evalJsonl), TokenizerFactory.Load(tokenizerDir),
            new ProblemProbeOptions(recipe.EvalAccuracyProblems, recipe.EvalMaxNewTokens, FinalAccuracyProblems: recipe.EvalFinalAccuracyProblems));
        var r = probe.Evaluate(lm.Model, lm.Compute, final: true);
        return new HeldOutScore
        {
            Accuracy = r.Accuracy ?? throw new SiftException($"{modelDir}: no problem was decoded"),
            AccuracyProblems = r.AccuracyProblems,
            AnswerLoss = r.AnswerLoss,
            CleanLoss = r.CleanLoss,
        };
    }
}
