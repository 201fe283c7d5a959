using System.Globalization;
using Sift.Core;
using Sift.Synth;

namespace Sift.Pipelines.Demo;

/// <summary>
/// <c>key=value</c> settings on top of a <see cref="DemoOptions"/> (<c>sift demo --set</c> and the study grid's axes).
/// Every key of <see cref="Keys"/> is accepted; an unknown key or a bad value is an error naming both.
/// </summary>
public static class DemoSettings
{
    /// <summary>The accepted keys with what they set.</summary>
    public static IReadOnlyList<(string Key, string Meaning)> Keys { get; } =
    [
        ("seed", "corpus, initialisation, data order and random selection"),
        ("threads", "compute threads"),
        ("corpus.clean_documents", "clean documents for the reference model"),
        ("corpus.clean_math_prose", "share of clean documents that are math prose"),
        ("corpus.web_chars", "characters of crawl-like web text"),
        ("corpus.eval_per_tier", "held-out problems per tier"),
        ("corpus.tiers", "tier weights, e.g. easy=0.5,medium=0.3,hard=0.2"),
        ("corpus.noise_share", "share of web characters that are noise"),
        ("corpus.boilerplate", "weight of navigation and site chrome"),
        ("corpus.ids", "weight of URLs, hashes and identifiers"),
        ("corpus.tables", "weight of tables of random numbers"),
        ("corpus.prose", "weight of off-topic prose"),
        ("corpus.wrong_arithmetic", "weight of worked problems with a wrong step"),
        ("corpus.web_math_prose", "share of clean web characters that are math prose"),
        ("corpus.page_jitter", "per-page spread of the noise share"),
        ("tokenizer.vocab", "BPE vocabulary"),
        ("tokenizer.chars", "characters the tokenizer is trained on"),
        ("model.hidden", "hidden size"),
        ("model.layers", "decoder layers"),
        ("model.heads", "attention heads"),
        ("model.ffn", "SwiGLU hidden size"),
        ("seq_len", "window length T"),
        ("micro_batch", "windows per step"),
        ("reference.steps", "reference model steps"),
        ("reference.lr", "reference peak LR"),
        ("reference.min_lr", "reference final LR"),
        ("reference.warmup", "reference warmup steps"),
        ("reference.schedule", "cosine, linear or constant"),
        ("student.steps", "student steps"),
        ("student.lr", "student peak LR"),
        ("student.min_lr", "student final LR (decaying schedules)"),
        ("student.warmup", "student warmup steps"),
        ("student.schedule", "constant (default), cosine or linear"),
        ("select_ratio", "share of tokens SLM and random selection keep"),
        ("select_scope", "batch or sequence"),
        ("eval_interval", "steps between the students' evaluations"),
        ("accuracy_problems", "held-out problems decoded per evaluation (0 = all)"),
        ("arms", "students to train, e.g. clm,slm,random"),
    ];

    /// <summary>Applies <c>key=value</c> settings in order.</summary>
    public static DemoOptions Apply(DemoOptions o, IEnumerable<string> settings, string source = "--set")
    {
        foreach (string s in settings)
        {
            int eq = s.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new SiftException($"{source} '{s}': expected key=value (keys: {string.Join(", ", Keys.Select(k => k.Key))})");
            }
            o = Apply(o, s[..eq].Trim(), s[(eq + 1)..].Trim(), source);
        }
        return o;
    }

    /// <summary>Applies one setting.</summary>
    public static DemoOptions Apply(DemoOptions o, string key, string value, string source = "--set")
    {
        string where = $"{source} {key}={value}";
        int I() => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new SiftException($"{where}: expected an integer");
        long L() => value.Length > 0 && char.ToLowerInvariant(value[^1]) is 'k' or 'm' && double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double m) && m >= 0
            ? (long)Math.Round(m * (char.ToLowerInvariant(value[^1]) == 'k' ? 1e3 : 1e6))
            : long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : throw new SiftException($"{where}: expected a count such as 600000, 600k or 6M");
        double D() => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : throw new SiftException($"{where}: expected a number");
        string Sched() => value is "cosine" or "linear" or "constant" ? value : throw new SiftException($"{where}: expected cosine, linear or constant");
        var c = o.Corpus;
        var w = c.Web;
        return key switch
        {
            "seed" => o with { Seed = (ulong)L() },
            "threads" => o with { Threads = I() },
            "corpus.clean_documents" => o with { Corpus = c with { CleanDocuments = (int)Math.Min(int.MaxValue, L()) } },
            "corpus.clean_math_prose" => o with { Corpus = c with { CleanMathProseShare = D() } },
            "corpus.web_chars" => o with { Corpus = c with { WebChars = L() } },
            "corpus.eval_per_tier" => o with { Corpus = c with { EvalPerTier = I() } },
            "corpus.tiers" => o with { Corpus = c with { Tiers = TierMix.Parse(value, where) } },
            "corpus.noise_share" => o with { Corpus = c with { Web = w with { NoiseShare = D() } } },
            "corpus.boilerplate" => o with { Corpus = c with { Web = w with { Boilerplate = D() } } },
            "corpus.ids" => o with { Corpus = c with { Web = w with { Ids = D() } } },
            "corpus.tables" => o with { Corpus = c with { Web = w with { Tables = D() } } },
            "corpus.prose" => o with { Corpus = c with { Web = w with { Prose = D() } } },
            "corpus.wrong_arithmetic" => o with { Corpus = c with { Web = w with { WrongArithmetic = D() } } },
            "corpus.web_math_prose" => o with { Corpus = c with { Web = w with { MathProseShare = D() } } },
            "corpus.page_jitter" => o with { Corpus = c with { Web = w with { PageJitter = D() } } },
            "tokenizer.vocab" => o with { TokenizerVocab = I() },
            "tokenizer.chars" => o with { TokenizerChars = L() },
            "model.hidden" => o with { Model = o.Model with { Hidden = I() } },
            "model.layers" => o with { Model = o.Model with { Layers = I() } },
            "model.heads" => o with { Model = o.Model with { Heads = I() } },
            "model.ffn" => o with { Model = o.Model with { Ffn = I() } },
            "seq_len" => o with { SeqLen = I() },
            "micro_batch" => o with { MicroBatch = I() },
            "reference.steps" => o with { Reference = o.Reference with { Steps = I() } },
            "reference.lr" => o with { Reference = o.Reference with { Lr = D() } },
            "reference.min_lr" => o with { Reference = o.Reference with { MinLr = D() } },
            "reference.warmup" => o with { Reference = o.Reference with { Warmup = I() } },
            "reference.schedule" => o with { Reference = o.Reference with { Schedule = Sched() } },
            "student.steps" => o with { Student = o.Student with { Steps = I() } },
            "student.lr" => o with { Student = o.Student with { Lr = D() } },
            "student.min_lr" => o with { Student = o.Student with { MinLr = D() } },
            "student.warmup" => o with { Student = o.Student with { Warmup = I() } },
            "student.schedule" => o with { Student = o.Student with { Schedule = Sched() } },
            "select_ratio" => o with { SelectRatio = D() },
            "select_scope" => o with { SelectScope = value },
            "eval_interval" => o with { EvalInterval = I() },
            "accuracy_problems" => o with { AccuracyProblems = I() },
            "arms" => o with { Arms = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
            _ => throw new SiftException($"{source} '{key}': unknown setting (keys: {string.Join(", ", Keys.Select(k => k.Key))})"),
        };
    }
}
