using System.Globalization;
using System.Text;
using Sift.Core;
using Sift.Engine.Model;
using Sift.Engine.Optim;
using Sift.Pipelines.Config;

namespace Sift.Pipelines.Training;

/// <summary>
/// Everything a training run needs, resolved from a YAML recipe and <c>--set</c> overrides.
/// The resolved form is written to the run folder as <c>recipe.resolved.yaml</c>.
/// </summary>
public sealed record TrainRecipe
{
    /// <summary>Run name (default: the recipe file name).</summary>
    public required string Name { get; init; }

    /// <summary>Run folder.</summary>
    public required string OutDir { get; init; }

    /// <summary>Model preset name, config.json path, or null when initialising from a model folder.</summary>
    public string? ModelConfig { get; init; }

    /// <summary>HF model folder to start from (fine-tuning), or null for random initialisation.</summary>
    public string? InitFrom { get; init; }

    /// <summary>tokenizer.json (or a folder holding one), copied into checkpoints; optional.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>Packed training data folder.</summary>
    public required string TrainData { get; init; }

    /// <summary>Packed validation data folder, or null to hold out windows of the training data.</summary>
    public string? ValidData { get; init; }

    /// <summary>Training windows held out for validation when <see cref="ValidData"/> is null (every k-th window; 0 = none).</summary>
    public int HoldoutEvery { get; init; } = 50;

    /// <summary>Sequence length T.</summary>
    public int SeqLen { get; init; } = 256;

    /// <summary>Sequences per micro-batch.</summary>
    public int MicroBatch { get; init; } = 8;

    /// <summary>Micro-batches per optimizer step.</summary>
    public int GradAccum { get; init; } = 1;

    /// <summary>Optimizer steps (derived from MaxTokens when that is set).</summary>
    public long MaxSteps { get; init; }

    /// <summary>Token budget (tokens processed), or 0.</summary>
    public long MaxTokens { get; init; }

    /// <summary>Training objective: clm, slm (Rho-1 selective), random (selection control) or oracle (clean-labelled tokens first; needs labels).</summary>
    public string Objective { get; init; } = "clm";

    /// <summary>Share of tokens kept by slm/random, in (0, 1].</summary>
    public double SelectRatio { get; init; } = 0.6;

    /// <summary>Where tokens are ranked: "batch" (the micro-batch) or "sequence".</summary>
    public string SelectScope { get; init; } = "batch";

    /// <summary>Reference scores folder (from `sift score --data`), required by slm.</summary>
    public string? RefScores { get; init; }

    /// <summary>Per-token provenance labels (a byte side shard), for selection statistics; optional.</summary>
    public string? Labels { get; init; }

    /// <summary>Seed for initialisation, data order and sampling.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Compute threads.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>GEMM backend: auto, openblas, managed, naive.</summary>
    public string Gemm { get; init; } = "auto";

    /// <summary>Learning-rate schedule.</summary>
    public required LearningRateSchedule Schedule { get; init; }

    /// <summary>AdamW settings.</summary>
    public required AdamWOptions Adam { get; init; }

    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>Steps between validation evaluations (0 = only at the end).</summary>
    public int EvalInterval { get; init; } = 100;

    /// <summary>Validation micro-batches per evaluation.</summary>
    public int EvalBatches { get; init; } = 4;

    /// <summary>Held-out problems JSONL ({question, solution, answer, tier}) judged at every evaluation, or null.</summary>
    public string? EvalProblems { get; init; }

    /// <summary>Problems decoded for accuracy at each evaluation (0 = all of them).</summary>
    public int EvalAccuracyProblems { get; init; }

    /// <summary>Completion budget per problem (0 = 1.25 × the reference solution + 16 tokens).</summary>
    public int EvalMaxNewTokens { get; init; }

    /// <summary>Steps between checkpoints (0 = only at the end).</summary>
    public int CheckpointInterval { get; init; } = 200;

    /// <summary>Checkpoints kept (oldest deleted first; the final one is always kept); 0 keeps every checkpoint (for `sift analyze`).</summary>
    public int CheckpointKeep { get; init; } = 2;

    /// <summary>Steps between log lines / metric records.</summary>
    public int LogInterval { get; init; } = 10;

    /// <summary>Model config overrides applied on top of the preset (HF field names).</summary>
    public IReadOnlyDictionary<string, string> ModelOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>Tokens processed per optimizer step.</summary>
    public long TokensPerStep => (long)SeqLen * MicroBatch * GradAccum;

    /// <summary>Reads a recipe file plus overrides. Every error names the file/line or the --set key.</summary>
    public static TrainRecipe Load(string? path, IEnumerable<string> overrides)
    {
        var tree = path is null ? ConfigTree.Parse("", "(no recipe)") : ConfigTree.Load(path);
        tree.ApplyOverrides(overrides);
        string name = tree.String("name") ?? (path is null ? "run" : Path.GetFileNameWithoutExtension(path));
        string? preset = tree.String("model.preset");
        string? configPath = tree.String("model.config");
        string? initFrom = tree.String("model.init_from");
        if (new[] { preset, configPath, initFrom }.Count(s => s is not null) > 1)
        {
            throw tree.Error("model", "set only one of model.preset, model.config and model.init_from");
        }
        var overridesDict = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string f in new[] { "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "max_position_embeddings", "rope_theta", "rms_norm_eps", "tie_word_embeddings" })
        {
            if (tree.String("model." + f) is string v)
            {
                overridesDict[f] = v;
            }
        }
        string? train = tree.String("data.train");
        if (train is null)
        {
            throw tree.Error("data.train", "required: a packed token dataset folder (make one with `sift data pack`)");
        }
        int seqLen = tree.Int("train.seq_len", 256, 2, 1 << 16);
        int micro = tree.Int("train.micro_batch", 8, 1, 1 << 16);
        int accum = tree.Int("train.grad_accum", 1, 1, 1 << 16);
        long maxSteps = tree.Long("train.max_steps", 0, 0);
        long maxTokens = tree.Long("train.max_tokens", 0, 0);
        long perStep = (long)seqLen * micro * accum;
        if (maxSteps == 0 && maxTokens == 0)
        {
            maxSteps = 1000;
        }
        else if (maxSteps != 0 && maxTokens != 0)
        {
            throw tree.Error("train.max_tokens", "set either train.max_steps or train.max_tokens, not both");
        }
        else if (maxTokens != 0)
        {
            maxSteps = Math.Max(1, (maxTokens + perStep - 1) / perStep);
        }
        double lr = tree.Double("optim.lr", 3e-3, 0, 10);
        double minLr = tree.Double("optim.min_lr", lr / 10, 0, 10);
        long warmup = tree.Long("optim.warmup_steps", Math.Min(100, maxSteps / 10), 0);
        string schedule = tree.Choice("optim.schedule", "cosine", "cosine", "linear", "constant");
        var adam = new AdamWOptions
        {
            Beta1 = (float)tree.Double("optim.beta1", 0.9, 0, 0.999999),
            Beta2 = (float)tree.Double("optim.beta2", 0.95, 0, 0.999999),
            Eps = (float)tree.Double("optim.eps", 1e-8, 0, 1),
            WeightDecay = (float)tree.Double("optim.weight_decay", 0.1, 0, 10),
            DecayNorms = tree.Bool("optim.decay_norms", false),
            DecayEmbeddings = tree.Bool("optim.decay_embeddings", false),
        };
        var recipe = new TrainRecipe
        {
            Name = name,
            OutDir = tree.String("out_dir") ?? Path.Combine("runs", name),
            ModelConfig = initFrom is null ? preset ?? configPath ?? "tiny" : null,
            InitFrom = initFrom,
            Tokenizer = tree.String("tokenizer"),
            TrainData = train,
            ValidData = tree.String("data.valid"),
            HoldoutEvery = tree.Int("data.holdout_every", 50, 0),
            SeqLen = seqLen,
            MicroBatch = micro,
            GradAccum = accum,
            MaxSteps = maxSteps,
            MaxTokens = maxTokens,
            Objective = tree.Choice("train.objective", "clm", "clm", "slm", "random", "oracle"),
            SelectRatio = tree.Double("train.select_ratio", 0.6),
            SelectScope = tree.Choice("train.select_scope", "batch", "batch", "sequence"),
            RefScores = tree.String("data.ref_scores"),
            Labels = tree.String("data.labels"),
            Seed = (ulong)tree.Long("train.seed", 1, 0),
            Threads = tree.Int("train.threads", Math.Min(Environment.ProcessorCount, 2), 1, 256),
            Gemm = tree.Choice("train.gemm", "auto", "auto", "openblas", "managed", "naive"),
            Schedule = new LearningRateSchedule((float)lr, (float)minLr, warmup, maxSteps, schedule),
            Adam = adam,
            GradClip = tree.Double("optim.grad_clip", 1.0, 0),
            EvalInterval = tree.Int("eval.interval", 100, 0),
            EvalBatches = tree.Int("eval.batches", 4, 1),
            EvalProblems = tree.String("eval.problems"),
            EvalAccuracyProblems = tree.Int("eval.accuracy_problems", 0, 0),
            EvalMaxNewTokens = tree.Int("eval.max_new_tokens", 0, 0, 1 << 16),
            CheckpointInterval = tree.Int("checkpoint.interval", 200, 0),
            CheckpointKeep = tree.Int("checkpoint.keep", 2, 0),
            LogInterval = tree.Int("log.interval", 10, 1),
            ModelOverrides = overridesDict,
        };
        if (!(recipe.SelectRatio > 0 && recipe.SelectRatio <= 1))
        {
            throw tree.Error("train.select_ratio", $"expected a share in (0, 1], got {recipe.SelectRatio}");
        }
        if (recipe.Objective == "slm" && recipe.RefScores is null)
        {
            throw tree.Error("data.ref_scores", "train.objective=slm needs reference scores (make them with `sift score --model REF --data DATA --output SCORES`)");
        }
        if (recipe.Objective == "oracle" && recipe.Labels is null)
        {
            throw tree.Error("data.labels", "train.objective=oracle keeps the clean-labelled tokens, so it needs data.labels (the web/labels side shard of `sift data synth`)");
        }
        if (recipe.HoldoutEvery == 1)
        {
            throw tree.Error("data.holdout_every", "expected 0 (no holdout) or at least 2");
        }
        tree.EnsureAllConsumed();
        return recipe;
    }

    /// <summary>Resolves the model config: preset/file plus overrides, with the vocabulary taken from the data when unset.</summary>
    public LlamaConfig ResolveModelConfig(int dataVocab, int? eosId)
    {
        if (ModelConfig is null)
        {
            throw new InvalidOperationException("model comes from init_from");
        }
        var c = ModelPresets.Resolve(ModelConfig);
        bool vocabSet = ModelOverrides.ContainsKey("vocab_size");
        c = c with { VocabSize = dataVocab, EosTokenId = eosId, MaxPositionEmbeddings = Math.Max(SeqLen, c.MaxPositionEmbeddings) };
        foreach (var (k, v) in ModelOverrides)
        {
            int I() => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) ? x : throw new SiftException($"model.{k}: expected an integer, got '{v}'");
            float F() => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) ? x : throw new SiftException($"model.{k}: expected a number, got '{v}'");
            c = k switch
            {
                "vocab_size" => c with { VocabSize = I() },
                "hidden_size" => c with { HiddenSize = I() },
                "intermediate_size" => c with { IntermediateSize = I() },
                "num_hidden_layers" => c with { NumHiddenLayers = I() },
                "num_attention_heads" => c with { NumAttentionHeads = I() },
                "num_key_value_heads" => c with { NumKeyValueHeads = I() },
                "head_dim" => c with { HeadDim = I() },
                "max_position_embeddings" => c with { MaxPositionEmbeddings = I() },
                "rope_theta" => c with { RopeTheta = F() },
                "rms_norm_eps" => c with { RmsNormEps = F() },
                "tie_word_embeddings" => c with { TieWordEmbeddings = v is "true" or "True" or "yes" },
                _ => c,
            };
        }
        if (!ModelOverrides.ContainsKey("head_dim") && (ModelOverrides.ContainsKey("hidden_size") || ModelOverrides.ContainsKey("num_attention_heads")))
        {
            c = c with { HeadDim = c.HiddenSize / c.NumAttentionHeads };
        }
        if (vocabSet && c.VocabSize < dataVocab)
        {
            throw new SiftException($"model.vocab_size ({c.VocabSize}) is smaller than the data's vocabulary ({dataVocab})");
        }
        return c.Validate("model");
    }

    /// <summary>The resolved recipe as YAML (written into the run folder).</summary>
    public string ToYaml()
    {
        var sb = new StringBuilder();
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        sb.AppendLine(CultureInfo.InvariantCulture, $"name: {Name}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"out_dir: {OutDir}");
        if (Tokenizer is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"tokenizer: {Tokenizer}");
        }
        sb.AppendLine("model:");
        if (InitFrom is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  init_from: {InitFrom}");
        }
        else
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {(ModelPresets.Find(ModelConfig!) is null ? "config" : "preset")}: {ModelConfig}");
        }
        foreach (var (k, v) in ModelOverrides.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {k}: {v}");
        }
        sb.AppendLine("data:");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  train: {TrainData}");
        if (ValidData is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  valid: {ValidData}");
        }
        if (RefScores is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  ref_scores: {RefScores}");
        }
        if (Labels is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  labels: {Labels}");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"  holdout_every: {HoldoutEvery}");
        sb.AppendLine("train:");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  seq_len: {SeqLen}\n  micro_batch: {MicroBatch}\n  grad_accum: {GradAccum}\n  max_steps: {MaxSteps}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  objective: {Objective}\n  select_ratio: {F(SelectRatio)}\n  select_scope: {SelectScope}\n  seed: {Seed}\n  threads: {Threads}\n  gemm: {Gemm}");
        sb.AppendLine("optim:");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  lr: {F(Schedule.PeakLr)}\n  min_lr: {F(Schedule.MinLr)}\n  warmup_steps: {Schedule.WarmupSteps}\n  schedule: {Schedule.Kind}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  beta1: {F(Adam.Beta1)}\n  beta2: {F(Adam.Beta2)}\n  eps: {F(Adam.Eps)}\n  weight_decay: {F(Adam.WeightDecay)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  decay_norms: {(Adam.DecayNorms ? "true" : "false")}\n  decay_embeddings: {(Adam.DecayEmbeddings ? "true" : "false")}\n  grad_clip: {F(GradClip)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"eval:\n  interval: {EvalInterval}\n  batches: {EvalBatches}");
        if (EvalProblems is not null)
        {
            // Only when set, so recipes without problems keep their hash (and their resumable checkpoints).
            sb.AppendLine(CultureInfo.InvariantCulture, $"  problems: {EvalProblems}\n  accuracy_problems: {EvalAccuracyProblems}\n  max_new_tokens: {EvalMaxNewTokens}");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"checkpoint:\n  interval: {CheckpointInterval}\n  keep: {CheckpointKeep}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"log:\n  interval: {LogInterval}");
        return sb.ToString();
    }
}
