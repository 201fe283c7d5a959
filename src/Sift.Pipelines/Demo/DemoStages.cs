using System.Globalization;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Engine.Model;
using Sift.Inference;
using Sift.Pipelines.Config;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Synth;
using Sift.Pipelines.Training;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Demo;

/// <summary>
/// The demo's stages, each a call into the pipeline class that does the work (synth, training, scoring),
/// wrapped in a <see cref="StageStore"/> so that finished stages are skipped and changed inputs redo exactly
/// what depends on them. Where a stage's folder is comes from <c>place(stage name, key)</c>: fixed names in the
/// demo's folder, or content-addressed folders shared by the study's points.
/// The reference model depends on the clean corpus and the tokenizer only (<c>clean_key</c>), so corpora that
/// differ only in their web mixture share one reference model when they share a tokenizer.
/// </summary>
internal sealed class DemoStages(StageStore store, Func<string, string, string> place, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    // Corpus settings the clean documents (and so the reference model) depend on; the web mixture is not among them.
    private static readonly string[] CleanSettings = ["seed", "corpus.clean_documents", "corpus.clean_math_prose", "corpus.eval_per_tier", "corpus.tiers", "corpus.eval_tiers", "corpus.eval_distinct"];

    // Stream of the general text, apart from the web corpus's own draws.
    private const ulong GeneralSeedSalt = 0x6E6E_E7A1;

    /// <summary>Fixed folders under <paramref name="root"/> (the demo's layout).</summary>
    public static Func<string, string, string> FixedLayout(string root) => (name, _) => Path.Combine(root, name switch
    {
        "synth" => "data",
        _ => name,
    });

    /// <summary>Content-addressed folders under <paramref name="cache"/> (the study's layout).</summary>
    public static Func<string, string, string> ContentLayout(string cache) => (name, key) => Path.Combine(cache, $"{name}-{key[..16]}");

    /// <summary>Corpus, tokenizer, packed shards and provenance labels. With <paramref name="tokenizerFrom"/>, packs with that stage's tokenizer instead of training one.</summary>
    public StageRecord<SynthStageResult> Synth(DemoOptions o, StageRecord<SynthStageResult>? tokenizerFrom = null, CancellationToken cancel = default)
    {
        var settings = CorpusSettings(o);
        var inputs = new SynthStageInputs(settings, tokenizerFrom?.Key);
        string key = StageStore.KeyOf("synth", inputs, PipelinesJson.Default.SynthStageInputs);
        return store.Run("synth", place("synth", key), inputs, PipelinesJson.Default.SynthStageInputs, PipelinesJson.Default.SynthStageResult, (dir, _) =>
        {
            var r = new SynthPipeline(new SynthPipelineOptions
            {
                Corpus = o.Corpus,
                Tokenizer = tokenizerFrom?.Result.Tokenizer,
                TokenizerVocab = o.TokenizerVocab,
                TokenizerChars = o.TokenizerChars,
                Threads = o.Threads,
                Overwrite = true,
            }, _progress).Run(dir, cancel);
            string tokenizerKey = tokenizerFrom?.Result.TokenizerKey ?? StageStore.KeyOf("tokenizer", inputs, PipelinesJson.Default.SynthStageInputs);
            var clean = new SortedDictionary<string, string>(settings.Where(kv => CleanSettings.Contains(kv.Key)).ToDictionary(), StringComparer.Ordinal)
            {
                ["tokenizer"] = tokenizerKey,
            };
            return new SynthStageResult
            {
                TokenizerKey = tokenizerKey,
                CleanKey = StageStore.KeyOf("clean", new SynthStageInputs(clean, null), PipelinesJson.Default.SynthStageInputs),
                Eval = r.EvalJsonl,
                Tokenizer = r.TokenizerDir!,
                CleanTokens = r.CleanTokens!,
                WebTokens = r.WebTokens!,
                WebLabels = r.WebLabels!,
                CleanTokenCount = r.Stats.CleanTokenCount ?? 0,
                WebTokenCount = r.Stats.WebTokenCount ?? 0,
                WebTokenShares = r.Stats.WebTokenShares ?? [],
                Seconds = r.Stats.Seconds,
            };
        });
    }

    /// <summary>
    /// General text for the base model (continued regime): the web corpus's non-math kinds only (its noise mixture
    /// without the wrong-arithmetic problems), packed with <paramref name="tokenizerFrom"/>'s tokenizer.
    /// </summary>
    public StageRecord<SynthStageResult> General(DemoOptions o, StageRecord<SynthStageResult> tokenizerFrom, CancellationToken cancel = default)
    {
        var corpus = GeneralCorpus(o);
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["seed"] = corpus.Seed.ToString(CultureInfo.InvariantCulture),
            ["general.chars"] = corpus.WebChars.ToString(CultureInfo.InvariantCulture),
            ["weights"] = string.Join(",", new[] { corpus.Web.Boilerplate, corpus.Web.Ids, corpus.Web.Tables, corpus.Web.Prose }.Select(Kinds.Number)),
            ["page_jitter"] = Kinds.Number(corpus.Web.PageJitter),
        };
        var inputs = new SynthStageInputs(settings, tokenizerFrom.Key);
        string key = StageStore.KeyOf("general", inputs, PipelinesJson.Default.SynthStageInputs);
        return store.Run("general", place("general", key), inputs, PipelinesJson.Default.SynthStageInputs, PipelinesJson.Default.SynthStageResult, (dir, _) =>
        {
            var r = new SynthPipeline(new SynthPipelineOptions
            {
                Corpus = corpus,
                Tokenizer = tokenizerFrom.Result.Tokenizer,
                Threads = o.Threads,
                Overwrite = true,
            }, _progress).Run(dir, cancel);
            return new SynthStageResult
            {
                TokenizerKey = tokenizerFrom.Result.TokenizerKey,
                CleanKey = key,
                Eval = r.EvalJsonl,
                Tokenizer = r.TokenizerDir!,
                CleanTokens = r.CleanTokens!,
                WebTokens = r.WebTokens!,
                WebLabels = r.WebLabels!,
                CleanTokenCount = r.Stats.CleanTokenCount ?? 0,
                WebTokenCount = r.Stats.WebTokenCount ?? 0,
                WebTokenShares = r.Stats.WebTokenShares ?? [],
                Seconds = r.Stats.Seconds,
            };
        });
    }

    /// <summary>The general corpus's options: all noise, no wrong arithmetic, its own seed (one clean document and held-out problem, unused).</summary>
    public static Sift.Synth.SynthOptions GeneralCorpus(DemoOptions o) => new()
    {
        Seed = o.Corpus.Seed ^ GeneralSeedSalt,
        CleanDocuments = 1,
        CleanMathProseShare = 0,
        WebChars = o.GeneralChars,
        EvalPerTier = 1,
        EvalTiers = [Sift.Synth.Tier.Easy],
        Web = o.Corpus.Web with { NoiseShare = 1, WrongArithmetic = 0 },
    };

    /// <summary>The base model (continued regime): CLM from scratch on the general text, judged once at the end.</summary>
    public StageRecord<TrainStageResult> Base(DemoOptions o, StageRecord<SynthStageResult> general, StageRecord<SynthStageResult> synth, CancellationToken cancel = default)
    {
        var recipe = o.Base.With([("train.objective", ObjectiveRegistry.Clm.Name), ("eval.interval", "0")], "demo: base");
        return Train("base", recipe, general.Key, null, synth, general.Result.WebTokens, null, cancel);
    }

    /// <summary>
    /// The reference model: an ordinary CLM run on the clean corpus (from the base model in the continued regime), judged
    /// once at the end on the held-out problems.
    /// </summary>
    public StageRecord<TrainStageResult> Reference(DemoOptions o, StageRecord<SynthStageResult> synth, StageRecord<TrainStageResult>? from = null, CancellationToken cancel = default)
    {
        var recipe = o.Reference.With([("train.objective", ObjectiveRegistry.Clm.Name), ("eval.interval", "0")], "demo: reference");
        return Train("reference", recipe, synth.Result.CleanKey, null, synth, synth.Result.CleanTokens, from, cancel);
    }

    /// <summary>Step 2 of SLM: the reference model's loss on every token of the web corpus, in the students' windows.</summary>
    public StageRecord<ScoreStageResult> Score(DemoOptions o, StageRecord<SynthStageResult> synth, StageRecord<TrainStageResult> reference, CancellationToken cancel = default)
    {
        var inputs = new ScoreStageInputs(synth.Key, reference.Key, o.SeqLen);
        string key = StageStore.KeyOf("score", inputs, PipelinesJson.Default.ScoreStageInputs);
        return store.Run("score", place("score", key), inputs, PipelinesJson.Default.ScoreStageInputs, PipelinesJson.Default.ScoreStageResult, (dir, _) =>
        {
            string modelDir = reference.Result.Model;
            using var lm = LoadedModel.Open(modelDir, o.Threads, o.Student.Gemm); // the students' GEMM, so scores and training share rounding
            string scores = Path.Combine(dir, "scores");
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var r = new CorpusScorer(lm.Model, lm.Compute, modelDir, _progress).Run(synth.Result.WebTokens, scores, new CorpusScoreOptions(o.SeqLen, Batch: o.MicroBatch), cancel);
            if (!r.Complete)
            {
                throw new SiftException($"{scores}: scoring did not complete");
            }
            var manifest = ScoresManifest.TryLoad(scores) ?? throw new SiftException($"{scores}: no scores manifest after scoring");
            long tokens = manifest.TotalTokens;
            return new ScoreStageResult
            {
                Scores = scores,
                Tokens = tokens,
                MeanRefLoss = manifest.MeanLoss,
                TokensPerSecond = Math.Round(r.TokensScored / Math.Max(1e-9, sw.Elapsed.TotalSeconds), 1),
                ScoringFlops = tokens * FlopCount.ForwardPerToken(LlamaConfig.Load(Path.Combine(modelDir, "config.json")), o.SeqLen),
            };
        });
    }

    /// <summary>The stage name of a student: its objective and seed ("slm-s2").</summary>
    public static string StudentName(ObjectiveSpec arm, ulong seed) => FormattableString.Invariant($"{arm.Name}-s{seed}");

    /// <summary>
    /// A student on the web corpus trained with <paramref name="arm"/> and <paramref name="seed"/> (from the base model in the
    /// continued regime); the arms of one seed share initialisation, data order and budget.
    /// </summary>
    public StageRecord<TrainStageResult> Student(DemoOptions o, ObjectiveSpec arm, ulong seed, StageRecord<SynthStageResult> synth, StageRecord<ScoreStageResult>? score,
        StageRecord<TrainStageResult>? from = null, CancellationToken cancel = default)
    {
        bool needsScores = arm.Needs.HasFlag(ObjectiveNeeds.ReferenceScores);
        if (needsScores && score is null)
        {
            throw new ArgumentException($"{arm.Name} needs the scoring stage", nameof(score));
        }
        var settings = new List<(string, string)> { ("train.objective", arm.Name), ("data.labels", synth.Result.WebLabels), ("train.seed", seed.ToString(CultureInfo.InvariantCulture)) };
        if (needsScores)
        {
            settings.Add(("data.ref_scores", score!.Result.Scores));
        }
        var recipe = o.Student.With(settings, $"demo: {arm.Name}");
        return Train(StudentName(arm, seed), recipe, synth.Key, needsScores ? score!.Key : null, synth, synth.Result.WebTokens, from, cancel);
    }

    /// <summary>
    /// One training stage: the recipe with the stage's folders; keyed by the data, the scores, the model it starts from
    /// and the recipe values that change results. A run that starts from another stage's model takes its shape from it.
    /// The recipe's evaluation judges the held-out problems of <paramref name="synth"/>.
    /// </summary>
    public StageRecord<TrainStageResult> Train(string name, TrainRecipe recipe, string dataKey, string? scoresKey, StageRecord<SynthStageResult> synth, string data,
        StageRecord<TrainStageResult>? from, CancellationToken cancel)
    {
        if (from is not null)
        {
            recipe = recipe.Without(k => k.StartsWith("model.", StringComparison.Ordinal), $"demo: {name}")
                .With([("model.init_from", from.Result.Model)], $"demo: {name} starts from {from.Name}");
        }
        var values = recipe.ResultValues();
        var inputs = new TrainStageInputs(dataKey, scoresKey, values, from?.Key);
        string key = StageStore.KeyOf(name, inputs, PipelinesJson.Default.TrainStageInputs);
        return store.Run(name, place(name, key), inputs, PipelinesJson.Default.TrainStageInputs, PipelinesJson.Default.TrainStageResult, (dir, _) =>
        {
            int every = recipe.EvalInterval > 0 ? recipe.EvalInterval * 5 : (int)Math.Max(1, recipe.MaxSteps / 4);
            var run = recipe.With(
            [
                ("out_dir", dir),
                ("data.train", data),
                ("data.holdout_every", "0"),
                ("eval.problems", synth.Result.Eval),
                // Checkpoints every few evaluations make a killed demo resume mid-run; the last two are kept.
                ("checkpoint.interval", every.ToString(CultureInfo.InvariantCulture)),
                ("checkpoint.keep", "2"),
            ], $"demo: {name}");
            var s = new TrainingRun(run, _progress).Execute(resume: true, cancel);
            if (s.Stopped)
            {
                throw new OperationCanceledException("training was stopped before its last step");
            }
            var config = LlamaConfig.Load(Path.Combine(s.RunDir, "config.json"));
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
                Parameters = config.ParameterCount,
                TrainFlops = s.Tokens * FlopCount.TrainPerToken(config, run.SeqLen),
                FinalEval = s.FinalEval,
            };
        });
    }

    /// <summary>The corpus and tokenizer settings of <paramref name="o"/> as canonical text (the synth stage's identity).</summary>
    public static SortedDictionary<string, string> CorpusSettings(DemoOptions o)
    {
        var d = DemoSettings.Table.Values(DemoSettings.Own(o), _ => true);
        foreach (string k in d.Keys.Where(k => k is not "seed" && !k.StartsWith("corpus.", StringComparison.Ordinal) && !k.StartsWith("tokenizer.", StringComparison.Ordinal)).ToList())
        {
            d.Remove(k); // arms, regime, seeds, general text: not the corpus
        }
        d["corpus.overlap_n"] = o.Corpus.OverlapN.ToString(CultureInfo.InvariantCulture);
        d["corpus.max_overlap"] = Kinds.Number(o.Corpus.MaxOverlap);
        return d;
    }
}
