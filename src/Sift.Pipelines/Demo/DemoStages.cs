using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Engine.Model;
using Sift.Engine.Optim;
using Sift.Inference;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Synth;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Demo;

/// <summary>
/// The demo's stages, each a call into the pipeline class that does the work (synth, training, scoring),
/// wrapped in a <see cref="StageStore"/> so that finished stages are skipped and changed inputs redo exactly
/// what depends on them. Where a stage's folder is comes from <c>place(stage name, key)</c>: fixed names in the
/// demo's folder, or content-addressed folders shared by the study's points.
/// The reference model depends on the clean corpus and the tokenizer only (<c>clean_key</c>), so corpora that
/// differ only in their web mixture share one reference model when they share a tokenizer.
/// </summary>
public sealed class DemoStages(StageStore store, Func<string, string, string> place, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Fixed folders under <paramref name="root"/> (the demo's layout).</summary>
    public static Func<string, string, string> FixedLayout(string root) => (name, _) => Path.Combine(root, name switch
    {
        "synth" => "data",
        _ => name,
    });

    /// <summary>Content-addressed folders under <paramref name="cache"/> (the study's layout).</summary>
    public static Func<string, string, string> ContentLayout(string cache) => (name, key) => Path.Combine(cache, $"{name}-{key[..16]}");

    private StageRecord Run(string name, JsonObject inputs, Func<string, bool, JsonObject> body) =>
        store.Run(name, place(name, StageStore.KeyOf(name, inputs)), inputs, body);

    /// <summary>Corpus, tokenizer, packed shards and provenance labels. With <paramref name="tokenizerFrom"/>, packs with that stage's tokenizer instead of training one.</summary>
    public StageRecord Synth(DemoOptions o, StageRecord? tokenizerFrom = null, CancellationToken cancel = default)
    {
        var inputs = new JsonObject
        {
            ["corpus"] = DemoOptions.CorpusJson(o.SeededCorpus),
            ["tokenizer_vocab"] = o.TokenizerVocab,
            ["tokenizer_chars"] = o.TokenizerChars,
            ["tokenizer_from"] = tokenizerFrom?.Key,
        };
        return Run("synth", inputs, (dir, _) =>
        {
            var r = new SynthPipeline(new SynthPipelineOptions
            {
                Corpus = o.SeededCorpus,
                Tokenizer = tokenizerFrom is null ? null : Str(tokenizerFrom, "tokenizer"),
                TokenizerVocab = o.TokenizerVocab,
                TokenizerChars = o.TokenizerChars,
                Threads = o.Threads,
                Overwrite = true,
            }, _progress).Run(dir, cancel);
            var c = o.SeededCorpus;
            // What the reference model's data depends on: the clean documents (whose draws skip the eval set's
            // keys) and the tokenizer, not the web mixture.
            string tokenizerKey = tokenizerFrom is null ? StageStore.KeyOf("tokenizer", inputs) : Str(tokenizerFrom, "tokenizer_key");
            string cleanKey = StageStore.KeyOf("clean", new JsonObject
            {
                ["seed"] = c.Seed,
                ["clean_documents"] = c.CleanDocuments,
                ["clean_math_prose_share"] = c.CleanMathProseShare,
                ["eval_per_tier"] = c.EvalPerTier,
                ["tiers"] = c.Tiers.ToString(),
                ["overlap_n"] = c.OverlapN,
                ["max_overlap"] = c.MaxOverlap,
                ["tokenizer"] = tokenizerKey,
            });
            return new JsonObject
            {
                ["tokenizer_key"] = tokenizerKey,
                ["clean_key"] = cleanKey,
                ["eval"] = r.EvalJsonl,
                ["tokenizer"] = r.TokenizerDir,
                ["clean_tokens"] = r.CleanTokens,
                ["web_tokens"] = r.WebTokens,
                ["web_labels"] = r.WebLabels,
                ["tokens"] = r.Summary["tokens"]?.DeepClone(),
                ["web_token_shares"] = r.Summary["web_token_shares"]?.DeepClone(),
                ["counts"] = r.Summary["counts"]?.DeepClone(),
                ["seconds"] = r.Summary["seconds"]?.DeepClone(),
            };
        });
    }

    /// <summary>The reference model: an ordinary CLM run on the clean corpus, judged once at the end on the held-out problems.</summary>
    public StageRecord Reference(DemoOptions o, StageRecord synth, CancellationToken cancel = default)
    {
        var inputs = new JsonObject
        {
            ["clean"] = Str(synth, "clean_key"),
            ["model"] = o.Model.ToJson(),
            ["seq_len"] = o.SeqLen,
            ["micro_batch"] = o.MicroBatch,
            ["training"] = o.Reference.ToJson(),
            ["seed"] = o.Seed,
            ["accuracy_problems"] = o.AccuracyProblems,
        };
        return Run("reference", inputs, (dir, resume) =>
        {
            var recipe = Recipe(o, "reference", dir, Str(synth, "clean_tokens"), o.Reference, "clm", null, null, Str(synth, "eval"), evalInterval: 0);
            return Train(recipe, cancel);
        });
    }

    /// <summary>Step 2 of SLM: the reference model's loss on every token of the web corpus, in the students' windows.</summary>
    public StageRecord Score(DemoOptions o, StageRecord synth, StageRecord reference, CancellationToken cancel = default)
    {
        var inputs = new JsonObject { ["synth"] = synth.Key, ["reference"] = reference.Key, ["seq_len"] = o.SeqLen };
        return Run("score", inputs, (dir, _) =>
        {
            string modelDir = Str(reference, "model");
            using var lm = LoadedModel.Open(modelDir, o.Threads);
            string scores = Path.Combine(dir, "scores");
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var r = new CorpusScorer(lm.Model, lm.Compute, modelDir, _progress).Run(Str(synth, "web_tokens"), scores, new CorpusScoreOptions(o.SeqLen, Batch: o.MicroBatch), cancel);
            if (!r.Complete)
            {
                throw new SiftException($"{scores}: scoring did not complete");
            }
            var manifest = ScoresManifest.TryLoad(scores) ?? throw new SiftException($"{scores}: no scores manifest after scoring");
            long tokens = manifest.TotalTokens;
            return new JsonObject
            {
                ["scores"] = scores,
                ["tokens"] = tokens,
                ["mean_ref_loss"] = manifest.MeanLoss,
                ["tokens_per_s"] = Math.Round(r.TokensScored / Math.Max(1e-9, sw.Elapsed.TotalSeconds), 1),
                ["flops"] = tokens * FlopCount.ForwardPerToken(ConfigOf(reference), o.SeqLen),
            };
        });
    }

    /// <summary>A student on the web corpus: <paramref name="arm"/> is clm, slm or random; all share initialisation, data order and budget.</summary>
    public StageRecord Student(DemoOptions o, string arm, StageRecord synth, StageRecord? score, CancellationToken cancel = default)
    {
        if (arm == "slm" && score is null)
        {
            throw new ArgumentException("slm needs the scoring stage", nameof(score));
        }
        var inputs = new JsonObject
        {
            ["synth"] = synth.Key,
            ["objective"] = arm,
            ["scores"] = arm == "slm" ? score!.Key : null,
            ["select_ratio"] = arm == "clm" ? null : o.SelectRatio,
            ["select_scope"] = arm == "clm" ? null : o.SelectScope,
            ["model"] = o.Model.ToJson(),
            ["seq_len"] = o.SeqLen,
            ["micro_batch"] = o.MicroBatch,
            ["training"] = o.Student.ToJson(),
            ["seed"] = o.Seed,
            ["eval_interval"] = o.EvalInterval,
            ["accuracy_problems"] = o.AccuracyProblems,
        };
        return Run(arm, inputs, (dir, resume) =>
        {
            var recipe = Recipe(o, arm, dir, Str(synth, "web_tokens"), o.Student, arm, arm == "slm" ? Str(score!, "scores") : null,
                Str(synth, "web_labels"), Str(synth, "eval"), o.EvalInterval);
            return Train(recipe, cancel);
        });
    }

    /// <summary>The recipe of one training stage (the same optimizer settings for every stage).</summary>
    public static TrainRecipe Recipe(DemoOptions o, string name, string outDir, string trainData, DemoTraining t, string objective,
        string? refScores, string? labels, string evalProblems, int evalInterval) => new()
        {
            Name = name,
            OutDir = outDir,
            ModelConfig = "tiny",
            ModelOverrides = o.Model.Overrides,
            TrainData = trainData,
            HoldoutEvery = 0,
            SeqLen = o.SeqLen,
            MicroBatch = o.MicroBatch,
            MaxSteps = t.Steps,
            Objective = objective,
            SelectRatio = objective == "clm" ? 1 : o.SelectRatio,
            SelectScope = o.SelectScope,
            RefScores = refScores,
            Labels = labels,
            Seed = o.Seed,
            Threads = o.Threads,
            Schedule = new LearningRateSchedule((float)t.Lr, (float)t.MinLr, t.Warmup, t.Steps, t.Schedule),
            Adam = new AdamWOptions(),
            GradClip = 1.0,
            EvalInterval = evalInterval,
            EvalProblems = evalProblems,
            EvalAccuracyProblems = o.AccuracyProblems,
            // Checkpoints every few evaluations make a killed demo resume mid-run; the last two are kept.
            CheckpointInterval = evalInterval > 0 ? evalInterval * 5 : Math.Max(1, t.Steps / 4),
            CheckpointKeep = 2,
            LogInterval = 10,
        };

    private JsonObject Train(TrainRecipe recipe, CancellationToken cancel)
    {
        var run = new TrainingRun(recipe, _progress);
        var s = run.Execute(resume: true, cancel);
        if (s.Stopped)
        {
            throw new OperationCanceledException("training was stopped before its last step");
        }
        var config = LlamaConfig.Load(Path.Combine(s.RunDir, "config.json"));
        return new JsonObject
        {
            ["run"] = s.RunDir,
            ["model"] = s.ModelDir,
            ["metrics"] = Path.Combine(s.RunDir, "metrics.jsonl"),
            ["steps"] = s.Steps,
            ["tokens"] = s.Tokens,
            ["trained_tokens"] = s.TrainedTokens,
            ["train_seconds"] = Math.Round(s.Seconds, 3),
            ["step_seconds"] = Math.Round(s.StepSeconds, 4),
            ["objective_seconds"] = Math.Round(s.ObjectiveSeconds, 4),
            ["tokens_per_s"] = Math.Round(s.TokensPerSecond, 1),
            ["parameters"] = config.ParameterCount,
            ["flops"] = s.Tokens * FlopCount.TrainPerToken(config, recipe.SeqLen),
            ["final_eval"] = s.FinalEval?.DeepClone(),
        };
    }

    /// <summary>A string field of a stage's result (a missing one is a bug in the stage).</summary>
    public static string Str(StageRecord r, string field) =>
        r.Result[field]?.GetValue<string>() ?? throw new SiftException($"{r.Folder}/{StageStore.StageFile}: the {r.Name} stage has no '{field}'; delete the folder to redo it");

    private static LlamaConfig ConfigOf(StageRecord trainStage) => LlamaConfig.Load(Path.Combine(Str(trainStage, "model"), "config.json"));
}
