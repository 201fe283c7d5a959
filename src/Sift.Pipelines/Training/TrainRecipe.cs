using System.Globalization;
using Sift.Core;
using Sift.Core.IO;
using Sift.Engine.Model;
using Sift.Engine.Optim;
using Sift.Pipelines.Config;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Training.FineTuning;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Training;

/// <summary>
/// Everything a training run needs. Each field is one key of <see cref="RecipeKeys.Table"/>, which declares its
/// name, kind, default, role and help once; reading a YAML recipe with <c>--set</c> overrides, writing
/// <c>recipe.resolved.yaml</c>, <c>sift train --list-keys</c>, the resume comparison and the demo's settings all come from it.
/// </summary>
internal sealed record TrainRecipe
{
    /// <summary>Run name (default: the recipe file name).</summary>
    public string Name { get; init; } = "run";

    /// <summary>Run folder.</summary>
    public string OutDir { get; init; } = "";

    /// <summary>tokenizer.json (or a folder holding one), copied into checkpoints; optional.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>Model preset (tiny, small, tinyllama-1.1b).</summary>
    public string? ModelPreset { get; init; }

    /// <summary>A config.json path (or a folder holding one).</summary>
    public string? ModelConfigPath { get; init; }

    /// <summary>HF model folder to start from (fine-tuning), or null for random initialisation.</summary>
    public string? InitFrom { get; init; }

    /// <summary>Overrides of the preset's or config's fields (HF names); null keeps the preset's value.</summary>
    public ModelOverrides Model { get; init; } = new();

    /// <summary>Packed training data folder.</summary>
    public string TrainData { get; init; } = "";

    /// <summary>Packed validation data folder, or null to hold out windows of the training data.</summary>
    public string? ValidData { get; init; }

    /// <summary>Training windows held out for validation when <see cref="ValidData"/> is null (every k-th window; 0 = none).</summary>
    public int HoldoutEvery { get; init; }

    /// <summary>Reference scores folder (from `sift score --data`), for objectives that need them.</summary>
    public string? RefScores { get; init; }

    /// <summary>Per-token provenance labels (a byte side shard), for selection statistics and the oracle.</summary>
    public string? Labels { get; init; }

    /// <summary>Sequence length T.</summary>
    public int SeqLen { get; init; }

    /// <summary>Sequences per micro-batch.</summary>
    public int MicroBatch { get; init; }

    /// <summary>Micro-batches per optimizer step.</summary>
    public int GradAccum { get; init; }

    /// <summary>Token budget (tokens processed), or 0 when <see cref="MaxSteps"/> is the budget.</summary>
    public long MaxTokens { get; init; }

    /// <summary>Optimizer steps.</summary>
    public long MaxSteps { get; init; }

    /// <summary>The training objective (<see cref="ObjectiveRegistry"/>).</summary>
    public ObjectiveSpec Objective { get; init; } = ObjectiveRegistry.Clm;

    /// <summary>Share of tokens kept by selective objectives, in (0, 1].</summary>
    public double SelectRatio { get; init; }

    /// <summary>Where tokens are ranked.</summary>
    public SelectScope SelectScope { get; init; }

    /// <summary>Example training settings (packing, preference losses).</summary>
    public FineTuneOptions FineTune { get; init; } = new();

    /// <summary>Gradient-mask tuning settings (off by default).</summary>
    public GradientMaskOptions GradientMask { get; init; } = new();

    /// <summary>Seed for initialisation, data order and sampling.</summary>
    public ulong Seed { get; init; }

    /// <summary>Compute threads.</summary>
    public int Threads { get; init; }

    /// <summary>GEMM backend: auto, openblas, managed, naive.</summary>
    public string Gemm { get; init; } = "auto";

    /// <summary>
    /// Arithmetic of training: fp32, or bf16-mixed (the training step's projections through <see cref="Sift.Engine.Kernels.Bf16Mixed.Bf16Gemm"/> and
    /// attention's causal products in bf16 too, the output head included:
    /// bf16 GEMM inputs, float32 accumulation, float32 weights and optimizer; refused with the reason where it cannot run).
    /// </summary>
    public string Precision { get; init; } = "fp32";

    /// <summary>Peak learning rate.</summary>
    public double Lr { get; init; }

    /// <summary>Final learning rate of a decaying schedule.</summary>
    public double MinLr { get; init; }

    /// <summary>Linear warmup steps.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>cosine, linear or constant.</summary>
    public string ScheduleKind { get; init; } = "cosine";

    /// <summary>AdamW settings.</summary>
    public AdamWOptions Adam { get; init; } = new();

    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public double GradClip { get; init; }

    /// <summary>Steps between validation evaluations (0 = only at the end).</summary>
    public int EvalInterval { get; init; }

    /// <summary>Validation micro-batches per evaluation.</summary>
    public int EvalBatches { get; init; }

    /// <summary>Held-out problems JSONL ({question, solution, answer, tier}) judged at every evaluation, or null.</summary>
    public string? EvalProblems { get; init; }

    /// <summary>Problems decoded for accuracy at each evaluation (0 = all of them).</summary>
    public int EvalAccuracyProblems { get; init; }

    /// <summary>Problems decoded at the final evaluation (0 = as <see cref="EvalAccuracyProblems"/>).</summary>
    public int EvalFinalAccuracyProblems { get; init; }

    /// <summary>Completion budget per problem (0 = 1.25 × the reference solution + 16 tokens).</summary>
    public int EvalMaxNewTokens { get; init; }

    /// <summary>Steps between checkpoints (0 = only at the end).</summary>
    public int CheckpointInterval { get; init; }

    /// <summary>Checkpoints kept (oldest deleted first; the final one is always kept); 0 keeps every checkpoint.</summary>
    public int CheckpointKeep { get; init; }

    /// <summary>Steps between log lines / metric records.</summary>
    public int LogInterval { get; init; }

    /// <summary>Raw text of the keys the user gave, written back as given.</summary>
    public IReadOnlyDictionary<string, string> Given { get; init; } = new Dictionary<string, string>();

    /// <summary>Tokens processed per optimizer step.</summary>
    public long TokensPerStep => (long)SeqLen * MicroBatch * GradAccum;

    /// <summary>The learning-rate schedule.</summary>
    public LearningRateSchedule Schedule => new((float)Lr, (float)MinLr, WarmupSteps, MaxSteps, ScheduleKind);

    /// <summary>Preset name or config path, or null when initialising from a model folder.</summary>
    public string? ModelConfig => InitFrom is null ? ModelPreset ?? ModelConfigPath ?? "tiny" : null;

    /// <summary>Reads a recipe file plus overrides. Every error names the file/line or the --set key.</summary>
    public static TrainRecipe Load(string? path, IEnumerable<string> overrides)
    {
        var tree = path is null ? ConfigTree.Parse("", "(no recipe)") : ConfigTree.Load(path);
        tree.ApplyOverrides(overrides);
        var start = new TrainRecipe { Name = path is null ? "run" : Path.GetFileNameWithoutExtension(path) };
        var recipe = RecipeKeys.Resolve(start, tree.Given());
        if (recipe.TrainData.Length == 0)
        {
            throw tree.Error("data.train", "required: a packed token dataset folder (make one with `sift data pack`)");
        }
        recipe.Check((key, message) => tree.Error(key, message));
        return recipe;
    }

    /// <summary>Builds a recipe from <c>key=value</c> settings alone (the demo's stages); the data folder may be set later.</summary>
    public static TrainRecipe FromSettings(IEnumerable<(string Key, string Value)> settings, string source)
    {
        var given = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var (k, v) in settings)
        {
            given[k] = (v, source);
        }
        return RecipeKeys.Resolve(new TrainRecipe(), given);
    }

    /// <summary>This recipe with more settings applied (derived defaults are recomputed from all given keys).</summary>
    public TrainRecipe With(IEnumerable<(string Key, string Value)> settings, string source)
    {
        var given = Given.ToDictionary(kv => kv.Key, kv => (kv.Value, source), StringComparer.Ordinal);
        foreach (var (k, v) in settings)
        {
            given[k] = (v, source);
        }
        return RecipeKeys.Resolve(new TrainRecipe { Name = Name }, given);
    }

    /// <summary>This recipe without the given keys <paramref name="drop"/> selects (their defaults apply again).</summary>
    public TrainRecipe Without(Func<string, bool> drop, string source)
    {
        var given = Given.Where(kv => !drop(kv.Key)).ToDictionary(kv => kv.Key, kv => (kv.Value, source), StringComparer.Ordinal);
        return RecipeKeys.Resolve(new TrainRecipe { Name = Name }, given);
    }

    /// <summary>The checks that involve several keys; <paramref name="error"/> makes an exception naming a key.</summary>
    public void Check(Func<string, string, SiftException> error)
    {
        if (new[] { ModelPreset, ModelConfigPath, InitFrom }.Count(s => s is not null) > 1)
        {
            throw error("model", "set only one of model.preset, model.config and model.init_from");
        }
        if (Given.ContainsKey("train.max_steps") && Given.ContainsKey("train.max_tokens") && MaxTokens > 0)
        {
            throw error("train.max_tokens", "set either train.max_steps or train.max_tokens, not both");
        }
        foreach (var need in new[] { ObjectiveNeeds.ReferenceScores, ObjectiveNeeds.Labels })
        {
            var (key, how) = ObjectiveRegistry.Source(need);
            if (Objective.Needs.HasFlag(need) && (need == ObjectiveNeeds.ReferenceScores ? RefScores : Labels) is null)
            {
                throw error(key, $"train.objective={Objective.Name} needs {how}");
            }
        }
        if (FineTune.Pack && Objective.Examples != Sift.Data.Examples.ExampleKind.Sft)
        {
            throw error("train.pack", $"packing applies to train.objective=sft; {Objective.Name} keeps one example per row");
        }
        if (HoldoutEvery == 1)
        {
            throw error("data.holdout_every", "expected 0 (no holdout) or at least 2");
        }
        if (Precision == "bf16-mixed" && PrecisionSupport.Bf16MixedUnavailableHere() is { } why)
        {
            throw error("train.precision", why);
        }
    }

    /// <summary>Resolves the model config: preset/file plus overrides, with the vocabulary taken from the data when unset.</summary>
    public LlamaConfig ResolveModelConfig(int dataVocab, int? eosId)
    {
        string source = ModelConfig ?? throw new InvalidOperationException("model comes from init_from");
        var preset = ModelPresets.Resolve(source);
        var c = preset with { VocabSize = dataVocab, EosTokenId = eosId, MaxPositionEmbeddings = Math.Max(SeqLen, preset.MaxPositionEmbeddings) };
        c = Model.ApplyTo(c, preset);
        if (Model.VocabSize is int v && v < dataVocab)
        {
            throw new SiftException($"model.vocab_size ({v}) is smaller than the data's vocabulary ({dataVocab})");
        }
        return c.Validate("model");
    }

    /// <summary>The resolved recipe as YAML (written into the run folder): every key, given values as the user wrote them.</summary>
    public string ToYaml() => RecipeKeys.Table.ToYaml(this, Given);

    /// <summary>Values compared when a run is resumed: everything but names, folders of the run and bookkeeping.</summary>
    public SortedDictionary<string, string> ResumeValues() => RecipeKeys.Table.Values(this, r => r != SettingRole.Bookkeeping);

    /// <summary>
    /// Values that change what is trained or measured (no folders, threads or bookkeeping), as the demo's stage keys
    /// use them; the selection keys only for objectives that select.
    /// </summary>
    public SortedDictionary<string, string> ResultValues()
    {
        var d = RecipeKeys.Table.Values(this, r => r == SettingRole.Result);
        if (!Objective.Selective)
        {
            d.Remove("train.select_ratio");
            d.Remove("train.select_scope");
        }
        return d;
    }

    /// <summary>SHA-256 of <see cref="ResumeValues"/>: equal recipes train identically.</summary>
    public string Fingerprint() => Hashing.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(string.Concat(ResumeValues().Select(kv => $"{kv.Key}={kv.Value}\n"))));

    /// <summary>Formats a value as the recipe table would (for messages).</summary>
    public static string Text(long v) => v.ToString(CultureInfo.InvariantCulture);
}
