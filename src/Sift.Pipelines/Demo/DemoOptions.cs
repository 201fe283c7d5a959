using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Synth;
using Sift.Synth.Web;

namespace Sift.Pipelines.Demo;

/// <summary>The model every stage trains (reference and students share the shape, as in Rho-1).</summary>
/// <param name="Hidden">Hidden size d.</param>
/// <param name="Layers">Decoder layers.</param>
/// <param name="Heads">Attention heads (head dim = d / heads; as many KV heads).</param>
/// <param name="Ffn">SwiGLU hidden size.</param>
public sealed record DemoModel(int Hidden = 128, int Layers = 4, int Heads = 4, int Ffn = 384)
{
    /// <summary>HF config overrides on top of the "tiny" preset (vocabulary comes from the tokenizer).</summary>
    public IReadOnlyDictionary<string, string> Overrides => new Dictionary<string, string>
    {
        ["hidden_size"] = Hidden.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["num_hidden_layers"] = Layers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["num_attention_heads"] = Heads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["num_key_value_heads"] = Heads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["intermediate_size"] = Ffn.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Canonical form for stage keys.</summary>
    public JsonObject ToJson() => new() { ["hidden"] = Hidden, ["layers"] = Layers, ["heads"] = Heads, ["ffn"] = Ffn };

    /// <summary>"d128 L4 h4 ffn384".</summary>
    public override string ToString() => FormattableString.Invariant($"d{Hidden} L{Layers} h{Heads} ffn{Ffn}");
}

/// <summary>How a model is trained: steps and the learning-rate schedule (AdamW β 0.9/0.95, wd 0.1, clip 1).</summary>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="Lr">Peak learning rate.</param>
/// <param name="MinLr">Final learning rate of a decaying schedule.</param>
/// <param name="Warmup">Linear warmup steps.</param>
/// <param name="Schedule">"cosine", "linear" or "constant".</param>
public sealed record DemoTraining(int Steps, double Lr = 3e-3, double MinLr = 3e-4, int Warmup = 40, string Schedule = "cosine")
{
    /// <summary>Canonical form for stage keys.</summary>
    public JsonObject ToJson() => new() { ["steps"] = Steps, ["lr"] = Lr, ["min_lr"] = MinLr, ["warmup"] = Warmup, ["schedule"] = Schedule };
}

/// <summary>
/// Everything `sift demo` does, sized by <see cref="Default"/> (about 15 minutes on 2 quiet cores) or
/// <see cref="Quick"/> (under 2 minutes, for CI). The reference model and the students share the model shape,
/// the window and the batch; the three students share initialisation, data order, seed, learning rate and
/// step budget and differ only in which tokens get gradient.
/// </summary>
public sealed record DemoOptions
{
    /// <summary>Seed of the corpus, the initialisation, the data order and random selection.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Compute threads.</summary>
    public int Threads { get; init; } = Math.Min(2, Environment.ProcessorCount);

    /// <summary>
    /// The synthetic corpus (its seed is replaced by <see cref="Seed"/>). The web corpus is sized so the students
    /// read it about once (4M characters ≈ 1.7M tokens against 400 steps × 4,096 tokens), as Rho-1's students read
    /// OpenWebMath about once; scoring then costs what the students use.
    /// </summary>
    public SynthOptions Corpus { get; init; } = new() { WebChars = 4_000_000 };

    /// <summary>BPE vocabulary.</summary>
    public int TokenizerVocab { get; init; } = 1024;

    /// <summary>Characters the tokenizer is trained on.</summary>
    public long TokenizerChars { get; init; } = 3_000_000;

    /// <summary>Model shape.</summary>
    public DemoModel Model { get; init; } = new();

    /// <summary>Window length T (training and scoring).</summary>
    public int SeqLen { get; init; } = 256;

    /// <summary>Sequences per optimizer step.</summary>
    public int MicroBatch { get; init; } = 16;

    /// <summary>The reference model's training on the clean corpus (cosine decay, as in Rho-1).</summary>
    public DemoTraining Reference { get; init; } = new(400);

    /// <summary>
    /// The students' training. Constant learning rate after warmup: with cosine decay every final point gets
    /// an annealing bonus that mid-run points lack, which biases "tokens to reach CLM's final loss" in favour of
    /// the baseline (slm-toy-simulation.md).
    /// </summary>
    public DemoTraining Student { get; init; } = new(400, Schedule: "constant");

    /// <summary>
    /// Share of tokens SLM and random selection keep: Rho-1's 0.6, above the corpus's clean share (about 40% of the
    /// web tokens at 50% noise characters). Measured on the default demo: at 0.4 SLM also drops a fifth of the clean
    /// tokens and ends behind CLM (clean loss 1.201 vs 1.152); at 0.6 it keeps 96% of them and leads (1.073).
    /// </summary>
    public double SelectRatio { get; init; } = 0.6;

    /// <summary>"batch" (rank within the step's batch, Rho-1's wording) or "sequence".</summary>
    public string SelectScope { get; init; } = "batch";

    /// <summary>Steps between the students' evaluations.</summary>
    public int EvalInterval { get; init; } = 50;

    /// <summary>Held-out problems decoded for accuracy at each evaluation (round-robin over tiers; 0 = all).</summary>
    public int AccuracyProblems { get; init; } = 150;

    /// <summary>Students to train, in order (clm is the baseline and always included; oracle, a perfect clean-token filter at the same ratio, is a research control).</summary>
    public IReadOnlyList<string> Arms { get; init; } = ["clm", "slm", "random"];

    /// <summary>Tokens processed per optimizer step.</summary>
    public long TokensPerStep => (long)SeqLen * MicroBatch;

    /// <summary>The ~15-minute demo.</summary>
    public static DemoOptions Default { get; } = new();

    /// <summary>The CI-sized demo: a few thousand documents, a smaller model, ~100 steps per run.</summary>
    public static DemoOptions Quick { get; } = new()
    {
        Corpus = new SynthOptions { CleanDocuments = 1200, WebChars = 160_000, EvalPerTier = 10 },
        TokenizerVocab = 512,
        TokenizerChars = 400_000,
        Model = new DemoModel(64, 2, 2, 192),
        SeqLen = 128,
        MicroBatch = 8,
        Reference = new DemoTraining(60, Warmup: 10),
        Student = new DemoTraining(60, Warmup: 10, Schedule: "constant"),
        EvalInterval = 20,
        AccuracyProblems = 15,
    };

    /// <summary>Throws a <see cref="SiftException"/> naming the first bad option.</summary>
    public void Validate()
    {
        Corpus.Validate();
        if (!(SelectRatio > 0 && SelectRatio <= 1))
        {
            throw new SiftException($"select_ratio: expected a share in (0, 1], got {SelectRatio}");
        }
        if (SelectScope is not ("batch" or "sequence"))
        {
            throw new SiftException($"select_scope: expected batch or sequence, got '{SelectScope}'");
        }
        if (Threads < 1)
        {
            throw new SiftException($"--threads: expected at least 1, got {Threads}");
        }
        if (Reference.Steps < 1 || Student.Steps < 1)
        {
            throw new SiftException($"steps: expected at least 1 (reference {Reference.Steps}, students {Student.Steps})");
        }
        if (EvalInterval < 1 || EvalInterval > Student.Steps)
        {
            throw new SiftException($"eval_interval: expected 1 .. {Student.Steps} (the students' steps), got {EvalInterval}");
        }
        if (Model.Hidden % Model.Heads != 0)
        {
            throw new SiftException($"model: hidden size {Model.Hidden} is not a multiple of the head count {Model.Heads}");
        }
        if (!Arms.Contains("clm"))
        {
            throw new SiftException("arms: the clm baseline is required (speedups are measured against it)");
        }
        foreach (string a in Arms)
        {
            if (a is not ("clm" or "slm" or "random" or "oracle"))
            {
                throw new SiftException($"arms: unknown objective '{a}' (clm, slm, random, oracle)");
            }
        }
    }

    /// <summary>The corpus options with this demo's seed.</summary>
    public SynthOptions SeededCorpus => Corpus with { Seed = Seed };

    /// <summary>Canonical description of the corpus (stage keys, reports).</summary>
    public static JsonObject CorpusJson(SynthOptions c) => new()
    {
        ["seed"] = c.Seed,
        ["clean_documents"] = c.CleanDocuments,
        ["clean_math_prose_share"] = c.CleanMathProseShare,
        ["web_chars"] = c.WebChars,
        ["eval_per_tier"] = c.EvalPerTier,
        ["tiers"] = c.Tiers.ToString(),
        ["web"] = WebJson(c.Web),
        ["overlap_n"] = c.OverlapN,
        ["max_overlap"] = c.MaxOverlap,
    };

    /// <summary>Canonical description of a web mixture.</summary>
    public static JsonObject WebJson(WebMixture w) => new()
    {
        ["noise_share"] = w.NoiseShare,
        ["boilerplate"] = w.Boilerplate,
        ["ids"] = w.Ids,
        ["tables"] = w.Tables,
        ["prose"] = w.Prose,
        ["wrong_arithmetic"] = w.WrongArithmetic,
        ["math_prose_share"] = w.MathProseShare,
        ["page_jitter"] = w.PageJitter,
    };
}
