using Sift.Engine.Kernels.Gemm;
using Sift.Pipelines.Config;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Training.FineTuning;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Training;

/// <summary>
/// Every recipe key, once: its property, default (constant or derived from keys above it), accepted values, role
/// and help. Table order is the order of recipe.resolved.yaml and of <c>sift train --list-keys</c>.
/// </summary>
internal static class RecipeKeys
{
    private static readonly Func<TrainRecipe> Fresh = () => new TrainRecipe();

    /// <summary>The table.</summary>
    public static SettingsTable<TrainRecipe> Table { get; } = new(
    [
        Key("name", "run name", Kinds.Text, r => r.Name, (r, v) => r with { Name = v }, r => r.Name, role: SettingRole.Bookkeeping, rule: "the recipe file's name, else run"),
        Key("out_dir", "run folder", Kinds.Text, r => r.OutDir, (r, v) => r with { OutDir = v }, r => Path.Combine("runs", r.Name), role: SettingRole.Bookkeeping, rule: "runs/<name>"),
        Key("tokenizer", "tokenizer.json or its folder, copied into checkpoints (default: the data's or init_from's)", Kinds.Text, r => r.Tokenizer, (r, v) => r with { Tokenizer = v }, _ => null, role: SettingRole.Path),

        Key("model.preset", "tiny | small | tinyllama-1.1b (default tiny unless model.config or model.init_from)", Kinds.Text, r => r.ModelPreset, (r, v) => r with { ModelPreset = v }, _ => null),
        Key("model.config", "a Hugging Face config.json (or its folder) to train from scratch", Kinds.Text, r => r.ModelConfigPath, (r, v) => r with { ModelConfigPath = v }, _ => null, role: SettingRole.Path),
        Key("model.init_from", "a Hugging Face model folder to start from (fine-tuning, continued pretraining)", Kinds.Text, r => r.InitFrom, (r, v) => r with { InitFrom = v }, _ => null, role: SettingRole.Path),
        Model("vocab_size", "vocabulary (default: the data's)", Kinds.Int(1), m => m.VocabSize, (m, v) => m with { VocabSize = v }),
        Model("hidden_size", "width d", Kinds.Int(1), m => m.HiddenSize, (m, v) => m with { HiddenSize = v }),
        Model("intermediate_size", "SwiGLU hidden width", Kinds.Int(1), m => m.IntermediateSize, (m, v) => m with { IntermediateSize = v }),
        Model("num_hidden_layers", "decoder layers", Kinds.Int(1), m => m.NumHiddenLayers, (m, v) => m with { NumHiddenLayers = v }),
        Model("num_attention_heads", "attention heads (head_dim follows hidden / heads)", Kinds.Int(1), m => m.NumAttentionHeads, (m, v) => m with { NumAttentionHeads = v }),
        Model("num_key_value_heads", "key/value heads (GQA)", Kinds.Int(1), m => m.NumKeyValueHeads, (m, v) => m with { NumKeyValueHeads = v }),
        Model("head_dim", "per-head width", Kinds.Int(1), m => m.HeadDim, (m, v) => m with { HeadDim = v }),
        Model("max_position_embeddings", "context length (at least train.seq_len)", Kinds.Int(1), m => m.MaxPositionEmbeddings, (m, v) => m with { MaxPositionEmbeddings = v }),
        Model("rope_theta", "RoPE base", Kinds.Double(0, openMin: true), m => m.RopeTheta, (m, v) => m with { RopeTheta = v }),
        Model("rms_norm_eps", "RMSNorm epsilon", Kinds.Double(0, openMin: true), m => m.RmsNormEps, (m, v) => m with { RmsNormEps = v }),
        Model("tie_word_embeddings", "the LM head reuses the embedding matrix", Kinds.Bool, m => m.TieWordEmbeddings, (m, v) => m with { TieWordEmbeddings = v }),

        Key("data.train", "a packed token dataset folder (`sift data pack`); required", Kinds.Text, r => r.TrainData, (r, v) => r with { TrainData = v }, r => r.TrainData, role: SettingRole.Path),
        Key("data.valid", "a packed validation folder (else every data.holdout_every-th window is held out)", Kinds.Text, r => r.ValidData, (r, v) => r with { ValidData = v }, _ => null, role: SettingRole.Path),
        Key("data.holdout_every", "hold out every k-th training window for validation (0 = none)", Kinds.Int(0), r => r.HoldoutEvery, (r, v) => r with { HoldoutEvery = v }, _ => 50),
        Key("data.ref_scores", "reference scores (`sift score --data`), for train.objective=slm", Kinds.Text, r => r.RefScores, (r, v) => r with { RefScores = v }, _ => null, role: SettingRole.Path),
        Key("data.labels", "per-token provenance labels (`sift data synth`'s web/labels), for selection statistics", Kinds.Text, r => r.Labels, (r, v) => r with { Labels = v }, _ => null, role: SettingRole.Path),

        Key("train.seq_len", "window length T", Kinds.Int(2, 1 << 16), r => r.SeqLen, (r, v) => r with { SeqLen = v }, _ => 256),
        Key("train.micro_batch", "windows per micro-batch", Kinds.Int(1, 1 << 16), r => r.MicroBatch, (r, v) => r with { MicroBatch = v }, _ => 8),
        Key("train.grad_accum", "micro-batches per optimizer step", Kinds.Int(1, 1 << 16), r => r.GradAccum, (r, v) => r with { GradAccum = v }, _ => 1),
        Key("train.max_tokens", "token budget (tokens processed); sets train.max_steps", Kinds.Count(), r => r.MaxTokens, (r, v) => r with { MaxTokens = v }, _ => 0),
        Key("train.max_steps", "optimizer steps", Kinds.Long(1), r => r.MaxSteps, (r, v) => r with { MaxSteps = v },
            r => r.MaxTokens > 0 ? Math.Max(1, (r.MaxTokens + r.TokensPerStep - 1) / r.TokensPerStep) : 1000, rule: "1000, or train.max_tokens / tokens per step"),
        Key("train.objective", "the training objective (`sift train --help` describes each)", Kinds.Choice(() => ObjectiveRegistry.Names),
            r => r.Objective.Name, (r, v) => r with { Objective = ObjectiveRegistry.Get(v, "train.objective") }, _ => ObjectiveRegistry.Clm.Name),
        Key("train.select_ratio", "share of tokens selective objectives keep", Kinds.Double(0, 1, openMin: true), r => r.SelectRatio, (r, v) => r with { SelectRatio = v }, _ => 0.6),
        Key("train.select_scope", "where tokens are ranked: batch (the micro-batch) or sequence", Kinds.Choice("batch", "sequence"),
            r => r.SelectScope == SelectScope.Batch ? "batch" : "sequence", (r, v) => r with { SelectScope = v == "batch" ? SelectScope.Batch : SelectScope.Sequence }, _ => "batch"),
        Key("train.pack", "sft: pack several whole examples per row (positions restart and attention stays inside each example)", Kinds.Bool,
            r => r.FineTune.Pack, (r, v) => r with { FineTune = r.FineTune with { Pack = v } }, _ => false),
        Key("train.seed", "seed of initialisation, data order and sampling", Kinds.Long(0), r => (long)r.Seed, (r, v) => r with { Seed = (ulong)v }, _ => 1),
        Key("train.threads", "compute threads", Kinds.Int(1, 256), r => r.Threads, (r, v) => r with { Threads = v }, _ => Math.Min(Environment.ProcessorCount, 2), role: SettingRole.Runtime, rule: "min(cores, 2)"),
        Key("train.gemm", "GEMM backend", Kinds.Choice([.. GemmFactory.Backends]), r => r.Gemm, (r, v) => r with { Gemm = v }, _ => "auto", role: SettingRole.Runtime),
        Key("train.precision", "fp32 | bf16-mixed (bf16 GEMM inputs, fp32 accumulation and weights, for the training step; needs AVX512_BF16 and the native kernel built with gcc, else refused with the reason; later scoring/eval stages run fp32)",
            Kinds.Choice([.. GemmFactory.Precisions]), r => r.Precision, (r, v) => r with { Precision = v }, _ => "fp32", role: SettingRole.Runtime),

        Key("pref.beta", "β of dpo, kto and ipo (τ)", Kinds.Double(0, 1000, openMin: true), r => r.FineTune.Beta, (r, v) => r with { FineTune = r.FineTune with { Beta = v } }, _ => 0.1),
        Key("pref.loss", "dpo's loss: sigmoid (with pref.label_smoothing) or hinge", Kinds.Choice("sigmoid", "hinge"),
            r => r.FineTune.DpoLoss == DpoLoss.Hinge ? "hinge" : "sigmoid", (r, v) => r with { FineTune = r.FineTune with { DpoLoss = v == "hinge" ? DpoLoss.Hinge : DpoLoss.Sigmoid } }, _ => "sigmoid"),
        Key("pref.label_smoothing", "dpo sigmoid loss: label smoothing ε (cDPO), below 0.5", Kinds.Double(0, 0.5), r => r.FineTune.LabelSmoothing,
            (r, v) => r with { FineTune = r.FineTune with { LabelSmoothing = v } }, _ => 0.0),
        Key("kto.desirable_weight", "kto: λ_D, the weight of desirable examples' losses", Kinds.Double(0), r => r.FineTune.DesirableWeight,
            (r, v) => r with { FineTune = r.FineTune with { DesirableWeight = v } }, _ => 1.0),
        Key("kto.undesirable_weight", "kto: λ_U, the weight of undesirable examples' losses", Kinds.Double(0), r => r.FineTune.UndesirableWeight,
            (r, v) => r with { FineTune = r.FineTune with { UndesirableWeight = v } }, _ => 1.0),

        Key("optim.lr", "peak learning rate", Kinds.Double(0, 10), r => r.Lr, (r, v) => r with { Lr = v }, _ => 3e-3),
        Key("optim.min_lr", "final learning rate of cosine/linear decay", Kinds.Double(0, 10), r => r.MinLr, (r, v) => r with { MinLr = v }, r => r.Lr / 10, rule: "optim.lr / 10"),
        Key("optim.warmup_steps", "linear warmup steps", Kinds.Long(0), r => r.WarmupSteps, (r, v) => r with { WarmupSteps = v }, r => Math.Min(100, r.MaxSteps / 10), rule: "min(100, max_steps / 10)"),
        Key("optim.schedule", "learning-rate schedule after warmup", Kinds.Choice("cosine", "linear", "constant"), r => r.ScheduleKind, (r, v) => r with { ScheduleKind = v }, _ => "cosine"),
        Key("optim.beta1", "AdamW β1", Kinds.Double(0, 0.999999), r => (double)r.Adam.Beta1, (r, v) => r with { Adam = r.Adam with { Beta1 = (float)v } }, _ => 0.9),
        Key("optim.beta2", "AdamW β2", Kinds.Double(0, 0.999999), r => (double)r.Adam.Beta2, (r, v) => r with { Adam = r.Adam with { Beta2 = (float)v } }, _ => 0.95),
        Key("optim.eps", "AdamW ε", Kinds.Double(0, 1), r => (double)r.Adam.Eps, (r, v) => r with { Adam = r.Adam with { Eps = (float)v } }, _ => 1e-8),
        Key("optim.weight_decay", "decoupled weight decay", Kinds.Double(0, 10), r => (double)r.Adam.WeightDecay, (r, v) => r with { Adam = r.Adam with { WeightDecay = (float)v } }, _ => 0.1),
        Key("optim.decay_norms", "also decay RMSNorm gains", Kinds.Bool, r => r.Adam.DecayNorms, (r, v) => r with { Adam = r.Adam with { DecayNorms = v } }, _ => false),
        Key("optim.decay_embeddings", "also decay the embeddings (and a tied head)", Kinds.Bool, r => r.Adam.DecayEmbeddings, (r, v) => r with { Adam = r.Adam with { DecayEmbeddings = v } }, _ => false),
        Key("optim.gmt_percentile", "gradient-mask tuning: per tensor and step, zero the gradient entries below this magnitude percentile (0 = off)",
            Kinds.Double(0, 1), r => r.GradientMask.Percentile, (r, v) => r with { GradientMask = r.GradientMask with { Percentile = v } }, _ => 0.0),
        Key("optim.gmt_schedule", "gradient-mask tuning: constant percentile, or linear from 0 to it over the run", Kinds.Choice("constant", "linear"),
            r => r.GradientMask.Schedule, (r, v) => r with { GradientMask = r.GradientMask with { Schedule = v } }, _ => "constant"),
        Key("optim.grad_clip", "global gradient-norm clip (0 = off)", Kinds.Double(0), r => r.GradClip, (r, v) => r with { GradClip = v }, _ => 1.0),

        Key("eval.interval", "steps between evaluations (0 = only at the end)", Kinds.Int(0), r => r.EvalInterval, (r, v) => r with { EvalInterval = v }, _ => 100),
        Key("eval.batches", "validation micro-batches per evaluation", Kinds.Int(1), r => r.EvalBatches, (r, v) => r with { EvalBatches = v }, _ => 4),
        Key("eval.problems", "held-out problems JSONL ({question, solution, answer, tier}) judged at every evaluation", Kinds.Text, r => r.EvalProblems, (r, v) => r with { EvalProblems = v }, _ => null, role: SettingRole.Path),
        Key("eval.accuracy_problems", "problems decoded for accuracy per evaluation (0 = all)", Kinds.Int(0), r => r.EvalAccuracyProblems, (r, v) => r with { EvalAccuracyProblems = v }, _ => 0),
        Key("eval.final_accuracy_problems", "problems decoded at the final evaluation (0 = as eval.accuracy_problems; above the held-out count = all)", Kinds.Int(0), r => r.EvalFinalAccuracyProblems, (r, v) => r with { EvalFinalAccuracyProblems = v }, _ => 0),
        Key("eval.max_new_tokens", "completion budget per problem (0 = 1.25 × the reference solution + 16)", Kinds.Int(0, 1 << 16), r => r.EvalMaxNewTokens, (r, v) => r with { EvalMaxNewTokens = v }, _ => 0),

        Key("checkpoint.interval", "steps between checkpoints (0 = only at the end)", Kinds.Int(0), r => r.CheckpointInterval, (r, v) => r with { CheckpointInterval = v }, _ => 200, role: SettingRole.Bookkeeping),
        Key("checkpoint.keep", "checkpoints kept (0 = all, for `sift analyze`)", Kinds.Int(0), r => r.CheckpointKeep, (r, v) => r with { CheckpointKeep = v }, _ => 2, role: SettingRole.Bookkeeping),
        Key("log.interval", "steps between metrics records", Kinds.Int(1), r => r.LogInterval, (r, v) => r with { LogInterval = v }, _ => 10, role: SettingRole.Bookkeeping),
    ]);

    /// <summary>Resolves every key (given or default) on <paramref name="start"/> and records the given text.</summary>
    public static TrainRecipe Resolve(TrainRecipe start, IReadOnlyDictionary<string, (string Raw, string Where)> given)
    {
        var (r, raws) = Table.Resolve(start, given);
        return r with { Given = raws };
    }

    private static Setting<TrainRecipe, TValue> Key<TValue>(string key, string help, ValueKind<TValue> kind, Func<TrainRecipe, TValue> get,
        Func<TrainRecipe, TValue, TrainRecipe> set, Func<TrainRecipe, TValue> def, SettingRole role = SettingRole.Result, string? rule = null) => new()
        {
            Key = key,
            Help = help,
            Kind = kind,
            Get = get,
            Set = set,
            Default = def,
            Role = role,
            DefaultRule = rule,
            Fresh = Fresh,
        };

    // A nullable text key: the kind's text, null when unset.
    private static Setting<TrainRecipe, string?> Key(string key, string help, ValueKind<string> kind, Func<TrainRecipe, string?> get,
        Func<TrainRecipe, string, TrainRecipe> set, Func<TrainRecipe, string?> def, SettingRole role = SettingRole.Result, string? rule = null) =>
        Key<string?>(key, help, new NullableText(kind), get, (r, v) => v is null ? r : set(r, v), def, role, rule);

    private static Setting<TrainRecipe, TValue?> Model<TValue>(string field, string help, ValueKind<TValue> kind, Func<ModelOverrides, TValue?> get,
        Func<ModelOverrides, TValue?, ModelOverrides> set) where TValue : struct =>
        Key($"model.{field}", help, Kinds.Optional(kind), r => get(r.Model), (r, v) => r with { Model = set(r.Model, v) }, _ => null, rule: "the preset's");

    /// <summary>Text or null: keys that may be unset (paths).</summary>
    private sealed class NullableText(ValueKind<string> inner) : ValueKind<string?>
    {
        public override string Domain => inner.Domain;

        public override bool TryParse(string raw, out string? value, out string? error)
        {
            bool ok = inner.TryParse(raw, out string v, out error);
            value = ok ? v : null;
            return ok;
        }

        public override string Format(string? value) => value is null ? "null" : inner.Format(value);
    }
}
