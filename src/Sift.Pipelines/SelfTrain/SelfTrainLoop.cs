using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Data.Examples;
using Sift.Engine.Model;
using Sift.Inference;
using Sift.Pipelines.Training;
using Sift.Pipelines.Training.Metrics;
using Sift.Sandbox;
using Sift.Text;

namespace Sift.Pipelines.SelfTrain;

/// <summary>
/// The self-improvement loop (Orca-Math's iterations, or SAFE-style rounds). Each iteration samples
/// <see cref="SelfTrainOptions.SamplesPerProblem"/> solutions of every problem from the current model, grades them
/// against the gold answers, builds examples by the rule (<see cref="SelfTrainExamples"/>), packs them and trains the
/// current model on them (DPO, KTO or SFT), and judges the result on held-out problems. Layout of <c>OUT</c>:
/// <c>iter-K/{samples.jsonl, examples.jsonl, examples/, model/, metrics.json}</c> (the training run's metrics.jsonl, loss.svg
/// and recipe beside them; its checkpoints are removed once the iteration is finished),
/// <c>baseline/heldout.jsonl</c>, <c>summary.json</c>, <c>selftrain.run.json</c> (the settings; a rerun with others is refused).
/// A rerun skips iterations with a metrics.json, continues a killed sampling file without duplicates and resumes a
/// killed training run from its checkpoint; a rerun with more iterations continues after the finished ones.
/// </summary>
internal sealed class SelfTrainLoop(SelfTrainOptions options)
{
    /// <summary>Opens a completion backend over a model folder (tests substitute their own); default: the local engine.</summary>
    internal Func<string, ICompletionBackend>? Backends { get; init; }

    private ICodeExecutor? _executor;

    /// <summary>Greedy held-out accuracy of the starting model after <see cref="Run"/> (null without held-out problems).</summary>
    public double? BaselineHeldOutAccuracy { get; private set; }

    /// <summary>Runs (or resumes) every iteration; returns them in order.</summary>
    public IReadOnlyList<SelfTrainIteration> Run(string outDir, IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        var o = options;
        var log = progress ?? NullProgress.Instance;
        o.Validate();
        string model = Path.GetFullPath(o.Model);
        if (!File.Exists(Path.Combine(model, "config.json")))
        {
            throw new SiftException($"--model {o.Model}: not a model folder (no config.json)");
        }
        var problems = SelfTrainProblems.Read(o.Problems);
        var heldOut = o.HeldOut is null ? null : SelfTrainProblems.Read(o.HeldOut);
        string tokenizerDir = TokenizerDir(o, model);
        var tokenizer = TokenizerFactory.Load(tokenizerDir);
        outDir = Path.GetFullPath(outDir);
        Directory.CreateDirectory(outDir);
        string settingsKey = Path.Combine(outDir, "selftrain");
        RunSettingsFile.CheckOrWrite(settingsKey, Settings(o, model), resuming: File.Exists(RunSettingsFile.PathFor(settingsKey)));

        using var sandbox = o.Verifier == SelfTrainVerifier.Program
            ? new PythonSandbox(new SandboxOptions { Timeout = TimeSpan.FromSeconds(o.ExecTimeoutSeconds), CpuSeconds = Math.Max(1, (int)Math.Ceiling(o.ExecTimeoutSeconds)) })
            : null;
        _executor = sandbox;
        if (heldOut is not null)
        {
            BaselineHeldOutAccuracy = HeldOutAccuracy(heldOut, model, Path.Combine(outDir, "baseline", "heldout.jsonl"), 0, log, cancel);
            log.Line($"baseline: held-out accuracy {Percent(BaselineHeldOutAccuracy.Value)} ({heldOut.Count} problems, greedy)");
        }
        var done = new List<SelfTrainIteration>();
        for (int it = 1; it <= o.Iterations; it++)
        {
            string dir = Path.Combine(outDir, $"iter-{it}");
            string metricsPath = Path.Combine(dir, "metrics.json");
            var rec = TryFinished(metricsPath);
            if (rec is not null)
            {
                log.Line($"iteration {it}: finished earlier, skipped ({dir})");
            }
            else
            {
                rec = Iterate(it, model, dir, problems, heldOut, tokenizer, tokenizerDir, log, cancel);
                AtomicFile.WriteAllText(metricsPath, JsonSerializer.Serialize(rec, SelfTrainJson.Indented.SelfTrainIteration) + "\n");
                // The finished iteration is never resumed: its checkpoints (weights + optimizer state) only took disk.
                string checkpoints = Path.Combine(dir, "checkpoints");
                if (Directory.Exists(checkpoints))
                {
                    Directory.Delete(checkpoints, recursive: true);
                }
                var m = rec.Metrics;
                log.Line($"iteration {it}: sample accuracy {Percent(m.SampleAccuracy)}, {m.Data.Positives} positives / {m.Data.Negatives} negatives, " +
                    (rec.Rule == "dpo" ? $"{m.Data.Pairs} pairs, " : rec.Rule == "safe" ? $"{m.Data.Repairs} repairs, " : "") +
                    (rec.Trained ? $"{m.TrainSteps} steps, loss {m.FirstLoss:0.0000} -> {m.TrainLoss:0.0000}" : $"not trained: {rec.SkipReason}") +
                    (m.HeldOutAccuracy is double h ? $", held-out accuracy {Percent(h)}" : ""));
            }
            done.Add(rec);
            model = rec.Checkpoint;
            WriteSummary(outDir, model, done);
        }
        return done;
    }

    private SelfTrainIteration Iterate(int it, string model, string dir, List<SelfTrainProblem> problems, List<SelfTrainProblem>? heldOut, ITokenizer tokenizer, string tokenizerDir,
        IProgressReporter log, CancellationToken cancel)
    {
        var o = options;
        Directory.CreateDirectory(dir);
        var clock = Stopwatch.StartNew();
        string samplesPath = Path.Combine(dir, "samples.jsonl");
        List<SelfTrainSample> samples;
        using (var backend = Open(model))
        {
            var settings = new SampleSettings(o.SamplesPerProblem, o.Temperature, o.TopP, o.MaxTokens, IterationSeed(o.Seed, it), o.PromptTemplate, Math.Max(1, o.Batch * 4));
            samples = SelfTrainSampler.Run(problems, backend, samplesPath, settings, log, $"iter {it} sample", cancel, _executor);
        }
        double sampleSeconds = clock.Elapsed.TotalSeconds;
        int correct = samples.Count(s => s.Correct);
        var build = SelfTrainExamples.Build(o.Rule, problems, samples, o.PromptTemplate, o.MaxPairsPerProblem);
        string examplesPath = Path.Combine(dir, "examples.jsonl");
        AtomicFile.WriteAllText(examplesPath, string.Concat(build.Examples.Select(e => JsonSerializer.Serialize(e, SelfTrainJson.Default.SelfTrainExample) + "\n")));
        var metrics = new SelfTrainMetrics
        {
            Problems = problems.Count,
            Samples = samples.Count,
            Correct = correct,
            SampleAccuracy = Math.Round((double)correct / Math.Max(1, samples.Count), 6),
            ProblemsSolved = samples.Where(s => s.Correct).Select(s => s.Problem).Distinct().Count(),
            Data = build.Counts,
            Examples = build.Examples.Count,
            SampleSeconds = Math.Round(sampleSeconds, 3),
        };
        var rec = new SelfTrainIteration
        {
            Iteration = it,
            Rule = o.Rule.Name(),
            StartModel = model,
            SamplesFile = samplesPath,
            ExamplesFile = examplesPath,
            Checkpoint = model,
        };
        if (SelfTrainExamples.Untrainable(build) is { } reason)
        {
            // The model stays as it is; the next iteration samples it again with other seeds.
            return rec with { SkipReason = reason, Metrics = metrics with { HeldOutAccuracy = EvalHeldOut(heldOut, model, dir, it, log, cancel, out double es), EvalSeconds = es } };
        }
        int context = LlamaConfig.Load(Path.Combine(model, "config.json")).MaxPositionEmbeddings;
        string examplesDir = Path.Combine(dir, "examples");
        if (!ExampleManifest.IsExampleSet(examplesDir))
        {
            new ExamplePacker(tokenizer, new ExamplePackOptions
            {
                Kind = build.Kind,
                MaxLength = Math.Min(1024, context),
                AddBos = ModelHasBos(model, tokenizer),
                Threads = Math.Max(1, o.Threads),
                Overwrite = true,
            }).Pack([examplesPath], examplesDir, cancel: cancel);
        }
        var manifest = ExampleManifest.Load(examplesDir);
        clock.Restart();
        var recipe = Recipe(it, model, dir, examplesDir, tokenizerDir, manifest, context);
        var s = new TrainingRun(recipe, log).Execute(resume: true, cancel);
        if (s.Stopped)
        {
            throw new OperationCanceledException("training was stopped before its last step");
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        double? first = MetricsLog.Read(Path.Combine(s.RunDir, "metrics.jsonl")).FirstOrDefault(l => l.Loss is not null)?.Loss;
        double? acc = EvalHeldOut(heldOut, s.ModelDir, dir, it, log, cancel, out double evalSeconds);
        return rec with
        {
            ExamplesDataset = examplesDir,
            Checkpoint = s.ModelDir,
            Trained = true,
            Metrics = metrics with
            {
                Examples = (int)manifest.Examples,
                TrainSteps = s.Steps,
                FirstLoss = first,
                TrainLoss = s.FinalLoss,
                KtoDesirableWeight = recipe.Objective.Name == "kto" ? recipe.FineTune.DesirableWeight : null,
                KtoUndesirableWeight = recipe.Objective.Name == "kto" ? recipe.FineTune.UndesirableWeight : null,
                HeldOutAccuracy = acc,
                TrainSeconds = Math.Round(trainSeconds, 3),
                EvalSeconds = evalSeconds,
            },
        };
    }

    /// <summary>
    /// The iteration's training recipe: the loop's defaults (start from the current model, one epoch over the examples,
    /// rows as long as the longest example, constant lr 1e-5, no warmup, no held-out windows), then the user's overrides.
    /// </summary>
    private TrainRecipe Recipe(int it, string model, string dir, string examplesDir, string tokenizerDir, ExampleManifest manifest, int context)
    {
        var o = options;
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        var defaults = new List<(string, string)>
        {
            ("train.objective", o.Rule.Objective()),
            ("train.seq_len", I(Math.Min(context, Math.Max(2, manifest.LongestDocument)))),
            ("train.micro_batch", "8"),
            ("train.seed", I((long)(o.Seed + (ulong)it))),
            ("train.threads", I(Math.Max(1, o.Threads))),
            ("optim.lr", "1e-5"),
            ("optim.warmup_steps", "0"),
            ("optim.schedule", "constant"),
            ("eval.interval", "0"),
            ("log.interval", "1"),
            ("checkpoint.keep", "1"),
        };
        var given = new List<(string, string)>();
        foreach (string kv in o.TrainOverrides)
        {
            int eq = kv.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new SiftException($"--set {kv}: expected KEY=VALUE (a `sift train --list-keys` key)");
            }
            string key = kv[..eq].Trim();
            if (key is "out_dir" or "data.train" or "model.init_from" or "train.objective")
            {
                throw new SiftException($"--set {key}: the loop sets this itself (each iteration's folder, examples, start model and --rule's objective)");
            }
            given.Add((key, kv[(eq + 1)..].Trim()));
        }
        var fixedKeys = new List<(string, string)>
        {
            ("out_dir", dir),
            ("data.train", examplesDir),
            ("data.holdout_every", "0"),
            ("model.init_from", model),
            ("tokenizer", tokenizerDir),
        };
        var r = TrainRecipe.FromSettings([.. defaults, .. given, .. fixedKeys], "selftrain");
        if (!r.Given.ContainsKey("train.max_steps") && !r.Given.ContainsKey("train.max_tokens"))
        {
            long rows = manifest.Examples * (manifest.ParsedKind == ExampleKind.Pairs ? 2 : 1) * o.Epochs;
            long perStep = (long)r.MicroBatch * r.GradAccum;
            r = r.With([("train.max_steps", I(Math.Max(1, (rows + perStep - 1) / perStep)))], "selftrain: epochs");
        }
        if (manifest.ParsedKind == ExampleKind.Kto && !r.Given.ContainsKey("kto.desirable_weight") && !r.Given.ContainsKey("kto.undesirable_weight"))
        {
            var (d, u) = KtoWeights(manifest.Desirable, manifest.Undesirable);
            r = r.With([("kto.desirable_weight", d.ToString("R", CultureInfo.InvariantCulture)), ("kto.undesirable_weight", u.ToString("R", CultureInfo.InvariantCulture))], "selftrain: KTO balance");
        }
        r.Check((key, message) => new SiftException($"--set {key}: {message}"));
        return r;
    }

    /// <summary>
    /// KTO's weights for <paramref name="desirable"/> and <paramref name="undesirable"/> examples: the KTO paper's guidance
    /// (TRL's check) is λ_D·n_D / (λ_U·n_U) in [1, 4/3]; the nearer end is reached by raising λ_D (too few desirable
    /// examples) or lowering λ_U (too many), the other weight staying 1.
    /// </summary>
    internal static (double Desirable, double Undesirable) KtoWeights(long desirable, long undesirable)
    {
        double ratio = (double)desirable / undesirable;
        return ratio < 1 ? (Math.Round(1 / ratio, 6), 1.0) : ratio > 4.0 / 3 ? (1.0, Math.Round(ratio * 3 / 4, 6)) : (1.0, 1.0);
    }

    private double? EvalHeldOut(List<SelfTrainProblem>? heldOut, string model, string dir, int it, IProgressReporter log, CancellationToken cancel, out double seconds)
    {
        seconds = 0;
        if (heldOut is null)
        {
            return null;
        }
        var clock = Stopwatch.StartNew();
        double acc = HeldOutAccuracy(heldOut, model, Path.Combine(dir, "heldout.jsonl"), it, log, cancel);
        seconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
        return acc;
    }

    // Greedy, one completion per problem, into its own resumable file.
    private double HeldOutAccuracy(List<SelfTrainProblem> heldOut, string model, string path, int it, IProgressReporter log, CancellationToken cancel)
    {
        using var backend = Open(model);
        var settings = new SampleSettings(1, 0f, 1f, options.MaxTokens, IterationSeed(options.Seed, it), options.PromptTemplate, Math.Max(1, options.Batch * 4));
        var graded = SelfTrainSampler.Run(heldOut, backend, path, settings, log, it == 0 ? "held-out (start)" : $"iter {it} held-out", cancel, _executor);
        return Math.Round((double)graded.Count(s => s.Correct) / graded.Count, 6);
    }

    private ICompletionBackend Open(string model)
    {
        if (Backends is not null)
        {
            return Backends(model);
        }
        if (!File.Exists(Path.Combine(model, "tokenizer.json")))
        {
            throw new SiftException($"{model}: no tokenizer.json; sampling needs the model's tokenizer in its folder");
        }
        return new LocalCompletionBackend(LoadedModel.Open(model, Math.Max(1, options.Threads)), Math.Max(1, options.Batch), ownsModel: true);
    }

    // As the generator: BOS goes before prompts when the model's config or tokenizer has one, so sampling and training see the same prompt tokens.
    private static bool ModelHasBos(string model, ITokenizer tokenizer) =>
        LlamaConfig.Load(Path.Combine(model, "config.json")).BosTokenId is not null || tokenizer.BosId is not null;

    private static string TokenizerDir(SelfTrainOptions o, string model)
    {
        string dir = o.Tokenizer is null ? model : File.Exists(o.Tokenizer) ? Path.GetDirectoryName(Path.GetFullPath(o.Tokenizer))! : Path.GetFullPath(o.Tokenizer);
        if (!File.Exists(Path.Combine(dir, "tokenizer.json")))
        {
            throw new SiftException(o.Tokenizer is null ? $"--model {o.Model}: no tokenizer.json in the model folder; give --tokenizer" : $"--tokenizer {o.Tokenizer}: no tokenizer.json there");
        }
        return dir;
    }

    /// <summary>Seed of an iteration's samples (iteration 0 = the starting model's held-out run).</summary>
    internal static ulong IterationSeed(ulong seed, int iteration) => seed + (0x9E3779B97F4A7C15UL * (ulong)iteration);

    private static Dictionary<string, string?> Settings(SelfTrainOptions o, string model) => new()
    {
        ["model"] = model,
        ["problems_sha256"] = Hashing.Sha256File(o.Problems),
        ["heldout_sha256"] = o.HeldOut is null ? null : Hashing.Sha256File(o.HeldOut),
        ["tokenizer"] = o.Tokenizer is null ? null : Path.GetFullPath(o.Tokenizer),
        ["rule"] = o.Rule.Name(),
        ["verify"] = o.Verifier == SelfTrainVerifier.Program ? "program" : "grader",
        ["samples"] = o.SamplesPerProblem.ToString(CultureInfo.InvariantCulture),
        ["top_p"] = o.TopP.ToString("R", CultureInfo.InvariantCulture),
        ["temperature"] = o.Temperature.ToString("R", CultureInfo.InvariantCulture),
        ["max_tokens"] = o.MaxTokens.ToString(CultureInfo.InvariantCulture),
        ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
        ["prompt_template"] = o.PromptTemplate,
        ["max_pairs"] = o.MaxPairsPerProblem.ToString(CultureInfo.InvariantCulture),
        ["epochs"] = o.Epochs.ToString(CultureInfo.InvariantCulture),
        ["train_overrides"] = string.Join(" ", o.TrainOverrides),
    };

    private static SelfTrainIteration? TryFinished(string metricsPath)
    {
        if (!File.Exists(metricsPath))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(metricsPath), SelfTrainJson.Default.SelfTrainIteration);
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{metricsPath}: not an iteration record ({ex.Message}); remove it to redo the iteration", ex);
        }
    }

    private void WriteSummary(string outDir, string finalModel, List<SelfTrainIteration> done)
    {
        var summary = new SelfTrainSummary
        {
            Rule = options.Rule.Name(),
            Model = Path.GetFullPath(options.Model),
            Problems = Path.GetFullPath(options.Problems),
            BaselineHeldOutAccuracy = BaselineHeldOutAccuracy,
            FinalModel = finalModel,
            Iterations = [.. done],
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, "summary.json"), JsonSerializer.Serialize(summary, SelfTrainJson.Indented.SelfTrainSummary) + "\n");
    }

    private static string Percent(double v) => $"{100 * v:0.0}%";
}
