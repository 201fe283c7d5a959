using Sift.Core;
using Sift.Pipelines.Config;
using Sift.Pipelines.Training;
using Sift.Pipelines.Training.Objectives;
using Sift.Synth;

namespace Sift.Pipelines.Demo;

/// <summary>One layer of key=value settings and where it came from ("demo default", "--quick", "--set", a grid file).</summary>
/// <param name="Settings">key=value strings, in order.</param>
/// <param name="Where">Source, for messages.</param>
internal sealed record SettingsLayer(IReadOnlyList<string> Settings, string Where);

/// <summary>
/// The demo's settings: ordinary recipe keys (<see cref="RecipeKeys"/>), which set the recipes of every training run
/// (the reference's, the students' and, in the continued regime, the base model's), or one of them with a
/// <c>reference.</c>, <c>student.</c> or <c>base.</c> prefix; plus the demo's own keys (<see cref="Table"/>: regime,
/// seeds, corpus, tokenizer, arms). Settings come in layers — the demo's defaults, then
/// <c>--quick</c>'s, then the user's — and within a layer a prefixed key wins over the plain one; a later layer wins
/// over an earlier one.
/// </summary>
internal static class DemoSettings
{
    /// <summary>Stage prefixes of recipe keys.</summary>
    public const string ReferencePrefix = "reference.", StudentPrefix = "student.", BasePrefix = "base.";

    private static readonly string[] Prefixes = [ReferencePrefix, StudentPrefix, BasePrefix];

    // Recipe keys the demo sets itself (folders, data, the objective of each arm, the reference's evaluation).
    private static readonly HashSet<string> s_demoOwned = new(StringComparer.Ordinal)
    {
        "name", "out_dir", "tokenizer", "model.config", "model.init_from", "data.train", "data.valid", "data.holdout_every", "data.ref_scores",
        "data.labels", "train.objective", "eval.problems", "checkpoint.interval", "checkpoint.keep",
        "train.seed", // seed (corpus, tokenizer, base and reference) and seeds (the students)
    };

    /// <summary>The demo's defaults: Rho-1's recipe at a size that runs in about 15 minutes on 2 cores.</summary>
    public static IReadOnlyList<string> Defaults { get; } =
    [
        "model.preset=tiny",          // d128, 4 layers, 4 heads, SwiGLU 384: about 1M parameters
        "train.seq_len=256",
        "train.micro_batch=16",
        // Three seeds × three arms = nine students, so each gets 200 steps (819k tokens) to stay near 15 minutes on
        // 2 cores; the reference model is trained once and shared by every seed, so it gets twice that.
        "train.max_steps=200",
        "reference.train.max_steps=400",
        "optim.lr=3e-3",
        "optim.min_lr=3e-4",
        "optim.warmup_steps=40",
        "reference.optim.schedule=cosine",
        // Constant LR after warmup: with cosine decay every final point gets an annealing bonus that mid-run points
        // lack, which biases "tokens to reach CLM's final loss" in favour of the baseline (slm-toy-simulation.md).
        "student.optim.schedule=constant",
        // Rho-1's 0.6, above the web corpus's clean share (about 40% of tokens at 50% noise characters): at 0.4 SLM
        // also drops a fifth of the clean tokens and ends behind CLM (clean loss 1.201 vs 1.152).
        "train.select_ratio=0.6",
        "eval.interval=50",
        // Accuracy that measures something: 1,000 held-out easy problems (±3 points at 30%), 200 of them decoded at
        // each intermediate evaluation for the curve and all 1,000 at the end, in batches.
        "eval.accuracy_problems=200",
        "eval.final_accuracy_problems=1000",
        "corpus.eval_tiers=easy",
        "corpus.eval_per_tier=1000",
        // The easy tier's number space holds about 800 problems distinct in template and numbers; held-out problems
        // are distinct in their text instead (other names, items and wording).
        "corpus.eval_distinct=instances",
        // The reference's curated corpus leans to the held-out tier (Rho-1's reference data is close to its
        // benchmarks); the web corpus keeps the general mix.
        "corpus.tiers=easy=0.7,medium=0.2,hard=0.1",
        "corpus.web_tiers=easy=0.5,medium=0.3,hard=0.2",
        // About 0.9M tokens: the students read the web corpus about once (200 × 4,096 tokens), as Rho-1's read
        // OpenWebMath about once.
        "corpus.web_chars=2M",
    ];

    /// <summary>What <c>--quick</c> changes: a few thousand documents, a 2-layer model, 60 steps.</summary>
    public static IReadOnlyList<string> QuickSettings { get; } =
    [
        "corpus.clean_documents=1200",
        "corpus.web_chars=160k",
        "corpus.eval_per_tier=10",
        "tokenizer.vocab_size=512",
        "tokenizer.train_chars=400k",
        "model.hidden_size=64",
        "model.num_hidden_layers=2",
        "model.num_attention_heads=2",
        "model.intermediate_size=192",
        "train.seq_len=128",
        "train.micro_batch=8",
        "train.max_steps=60",
        "optim.warmup_steps=10",
        "eval.interval=20",
        "eval.accuracy_problems=15",
        "seeds=1,2", // two seeds: enough to exercise the paired verdict, not to conclude from
    ];

    /// <summary>The demo's own keys (recipe keys are also accepted, see the class summary).</summary>
    public static SettingsTable<DemoOwn> Table { get; } = new(
    [
        Own("regime", "scratch: students from a random initialisation; continued: from a base model pretrained on general text, the reference fine-tuned from it", Kinds.Choice("scratch", "continued"),
            o => o.Regime == DemoRegime.Continued ? "continued" : "scratch", (o, v) => o with { Regime = v == "continued" ? DemoRegime.Continued : DemoRegime.Scratch }),
        Own("seed", "seed of the corpus, the tokenizer, the base and the reference model", Kinds.Long(0), o => (long)o.Corpus.Seed, (o, v) => o with { Corpus = o.Corpus with { Seed = (ulong)v } }),
        Own("seeds", "the students' seeds, e.g. 1,2,3: every arm is trained once per seed (initialisation, data order, random selection)", new SeedsKind(), o => o.Seeds, (o, v) => o with { Seeds = v }),
        Own("general.chars", "characters of general text (the corpus's non-math kinds) for the base model (continued regime)", Kinds.Count(1), o => o.GeneralChars, (o, v) => o with { GeneralChars = v }),
        Own("corpus.clean_documents", "clean documents for the reference model", Kinds.Count(1), o => o.Corpus.CleanDocuments, (o, v) => o with { Corpus = o.Corpus with { CleanDocuments = (int)Math.Min(int.MaxValue, v) } }),
        Own("corpus.clean_math_prose", "share of clean documents that are math prose", Kinds.Double(0, 1), o => o.Corpus.CleanMathProseShare, (o, v) => o with { Corpus = o.Corpus with { CleanMathProseShare = v } }),
        Own("corpus.web_chars", "characters of crawl-like web text", Kinds.Count(), o => o.Corpus.WebChars, (o, v) => o with { Corpus = o.Corpus with { WebChars = v } }),
        Own("corpus.eval_per_tier", "held-out problems per tier", Kinds.Int(1), o => o.Corpus.EvalPerTier, (o, v) => o with { Corpus = o.Corpus with { EvalPerTier = v } }),
        Own("corpus.tiers", "tier weights of the clean problems, e.g. easy=0.5,medium=0.3,hard=0.2", new TierKind(), o => o.Corpus.Tiers, (o, v) => o with { Corpus = o.Corpus with { Tiers = v } }),
        Own("corpus.web_tiers", "tier weights of the web corpus's problems", new TierKind(), o => o.Corpus.WebTiers ?? o.Corpus.Tiers, (o, v) => o with { Corpus = o.Corpus with { WebTiers = v } }),
        Own("corpus.eval_tiers", "tiers with held-out problems, e.g. easy or easy,medium,hard", new TierListKind(), o => o.Corpus.EvalTiers, (o, v) => o with { Corpus = o.Corpus with { EvalTiers = v } }),
        Own("corpus.eval_distinct", "what training never shares with a held-out problem: numbers (template and numbers) or instances (the question text)", Kinds.Choice("numbers", "instances"),
            o => o.Corpus.EvalDistinct == EvalDistinct.Numbers ? "numbers" : "instances", (o, v) => o with { Corpus = o.Corpus with { EvalDistinct = v == "numbers" ? EvalDistinct.Numbers : EvalDistinct.Instances } }),
        Own("corpus.noise_share", "share of web characters that are noise", Kinds.Double(0, 1), o => o.Corpus.Web.NoiseShare, (o, v) => o with { Corpus = o.Corpus with { Web = o.Corpus.Web with { NoiseShare = v } } }),
        Own("corpus.boilerplate", "weight of navigation and site chrome in the noise", Kinds.Double(0), o => o.Corpus.Web.Boilerplate, (o, v) => o with { Corpus = o.Corpus with { Web = o.Corpus.Web with { Boilerplate = v } } }),
        Own("corpus.ids", "weight of URLs, hashes and identifiers", Kinds.Double(0), o => o.Corpus.Web.Ids, (o, v) => o with { Corpus = o.Corpus with { Web = o.Corpus.Web with { Ids = v } } }),
        Own("corpus.tables", "weight of tables of random numbers", Kinds.Double(0), o => o.Corpus.Web.Tables, (o, v) => o with { Corpus = o.Corpus with { Web = o.Corpus.Web with { Tables = v } } }),
        Own("corpus.prose", "weight of off-topic prose", Kinds.Double(0), o => o.Corpus.Web.Prose, (o, v) => o with { Corpus = o.Corpus with { Web = o.Corpus.Web with { Prose = v } } }),
        Own("corpus.wrong_arithmetic", "weight of worked problems with a wrong step", Kinds.Double(0), o => o.Corpus.Web.WrongArithmetic, (o, v) => o with { Corpus = o.Corpus with { Web = o.Corpus.Web with { WrongArithmetic = v } } }),
        Own("corpus.web_math_prose", "share of clean web characters that are math prose", Kinds.Double(0, 1), o => o.Corpus.Web.MathProseShare, (o, v) => o with { Corpus = o.Corpus with { Web = o.Corpus.Web with { MathProseShare = v } } }),
        Own("corpus.page_jitter", "per-page spread of the noise share", Kinds.Double(0, 1), o => o.Corpus.Web.PageJitter, (o, v) => o with { Corpus = o.Corpus with { Web = o.Corpus.Web with { PageJitter = v } } }),
        Own("tokenizer.vocab_size", "BPE vocabulary", Kinds.Int(258, 65535), o => o.TokenizerVocab, (o, v) => o with { TokenizerVocab = v }),
        Own("tokenizer.train_chars", "characters the tokenizer is trained on", Kinds.Count(1), o => o.TokenizerChars, (o, v) => o with { TokenizerChars = v }),
        Own("arms", "students to train, e.g. clm,slm,random (objectives: " + string.Join(", ", ObjectiveRegistry.Names) + ")", new ArmsKind(), o => o.Arms, (o, v) => o with { Arms = v }),
    ]);

    /// <summary>Builds the options: the defaults, then <c>--quick</c>'s when asked, then <paramref name="user"/> (key=value each).</summary>
    public static DemoOptions Build(bool quick, IEnumerable<string> user, string source = "--set")
    {
        var layers = new List<SettingsLayer> { new(Defaults, "demo default") };
        if (quick)
        {
            layers.Add(new(QuickSettings, "--quick"));
        }
        layers.Add(new(user.ToList(), source));
        return Build(layers);
    }

    /// <summary>This configuration at <c>--quick</c> sizes: the quick layer inserted after the defaults (the other layers keep their order).</summary>
    public static DemoOptions WithQuick(DemoOptions o) =>
        o.Layers.Any(l => l.Where == "--quick") ? o : Build([.. o.Layers.Take(1), new SettingsLayer(QuickSettings, "--quick"), .. o.Layers.Skip(1)]);

    /// <summary>This configuration with one more layer of settings on top (a study point).</summary>
    public static DemoOptions Apply(DemoOptions baseOptions, IEnumerable<string> settings, string source) =>
        Build([.. baseOptions.Layers, new SettingsLayer(settings.ToList(), source)]);

    private static DemoOptions Build(IReadOnlyList<SettingsLayer> layers)
    {
        var own = new Dictionary<string, (string Raw, string Where)>(StringComparer.Ordinal);
        var runs = Prefixes.ToDictionary(p => p, _ => new Dictionary<string, (string Raw, string Where)>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (settings, where) in layers)
        {
            var parsed = settings.Select(s => Split(s, where)).ToList();
            // Plain keys first, then prefixed ones, so that within a layer the prefixed key wins.
            foreach (var (key, value) in parsed.Where(p => PrefixOf(p.Key) is null))
            {
                if (Table.Has(key))
                {
                    own[key] = (value, $"{where} {key}={value}");
                    if (key == "seed")
                    {
                        // The students' seeds come from `seeds`, one run each.
                        runs[ReferencePrefix]["train.seed"] = runs[BasePrefix]["train.seed"] = (value, $"{where} seed={value}");
                    }
                }
                else
                {
                    CheckRecipeKey(key, $"{where} {key}={value}");
                    foreach (var run in runs.Values)
                    {
                        run[key] = (value, $"{where} {key}={value}");
                    }
                }
            }
            foreach (var (key, value) in parsed.Where(p => PrefixOf(p.Key) is not null))
            {
                string prefix = PrefixOf(key)!;
                string inner = key[prefix.Length..];
                CheckRecipeKey(inner, $"{where} {key}={value}");
                runs[prefix][inner] = (value, $"{where} {key}={value}");
            }
        }
        var start = new DemoOwn(new SynthOptions(), 1024, 3_000_000, [ObjectiveRegistry.Clm, ObjectiveRegistry.Find("slm")!, ObjectiveRegistry.Find("random")!],
            DemoRegime.Scratch, [1UL, 2UL, 3UL], 3_000_000);
        var (o, _) = Table.Resolve(start, own);
        return new DemoOptions
        {
            Corpus = o.Corpus,
            TokenizerVocab = o.TokenizerVocab,
            TokenizerChars = o.TokenizerChars,
            Arms = o.Arms,
            Regime = o.Regime,
            Seeds = o.Seeds,
            GeneralChars = o.GeneralChars,
            Reference = RecipeKeys.Resolve(new TrainRecipe { Name = "reference" }, runs[ReferencePrefix]),
            Student = RecipeKeys.Resolve(new TrainRecipe { Name = "student" }, runs[StudentPrefix]),
            Base = RecipeKeys.Resolve(new TrainRecipe { Name = "base" }, runs[BasePrefix]),
            Layers = layers,
        };
    }

    /// <summary>Every key with its default in the demo, for <c>sift demo --list-settings</c>.</summary>
    public static string List()
    {
        var d = DemoOptions.Default;
        var own = Table.Resolve(Own(d), new Dictionary<string, (string, string)>()).Value;
        string ownText = Table.List(defaultText: s => s.Format(own) ?? "");
        string recipeText = RecipeKeys.Table.List(s => !s_demoOwned.Contains(s.Key), s =>
        {
            string r = s.Format(d.Reference) ?? "unset", st = s.Format(d.Student) ?? "unset", b = s.Format(d.Base) ?? "unset";
            return r == st && st == b ? r : $"reference {r}, student {st}, base {b}";
        });
        return "Demo keys:\n" + ownText + "\nRecipe keys (set every run; prefix with reference., student. or base. to set one):\n" + recipeText;
    }

    private static string? PrefixOf(string key) => Prefixes.FirstOrDefault(p => key.StartsWith(p, StringComparison.Ordinal));

    /// <summary>The demo's own fields of <paramref name="o"/>.</summary>
    public static DemoOwn Own(DemoOptions o) => new(o.Corpus, o.TokenizerVocab, o.TokenizerChars, o.Arms, o.Regime, o.Seeds, o.GeneralChars);

    private static (string Key, string Value) Split(string s, string where)
    {
        int eq = s.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new SiftException($"{where} '{s}': expected key=value, e.g. train.select_ratio=0.5 (sift demo --list-settings shows every key)");
        }
        return (s[..eq].Trim(), s[(eq + 1)..].Trim());
    }

    private static void CheckRecipeKey(string key, string where)
    {
        if (s_demoOwned.Contains(key))
        {
            throw new SiftException(key == "train.seed"
                ? $"{where}: train.seed is set by the demo: `seed` seeds the corpus, base and reference model, `seeds` the students (e.g. seeds=4,5,6)"
                : $"{where}: {key} is set by the demo itself and cannot be changed");
        }
        if (!RecipeKeys.Table.Has(key))
        {
            // Name the closest keys of either table.
            var inRecipe = RecipeKeys.Table.UnknownKey(key, where).Message;
            throw Table.Has(key) ? new SiftException(inRecipe) : new SiftException(inRecipe.Replace("--list-keys", "sift demo --list-settings", StringComparison.Ordinal) + Hint(key));
        }
    }

    private static string Hint(string key)
    {
        var near = Table.Settings.Select(s => s.Key).Where(k => k.EndsWith(key[(key.LastIndexOf('.') + 1)..], StringComparison.Ordinal)).ToList();
        return near.Count > 0 ? $"; demo keys: {string.Join(", ", near)}" : "";
    }

    private static Setting<DemoOwn, TValue> Own<TValue>(string key, string help, ValueKind<TValue> kind, Func<DemoOwn, TValue> get, Func<DemoOwn, TValue, DemoOwn> set) => new()
    {
        Key = key,
        Help = help,
        Kind = kind,
        Get = get,
        Set = set,
        Default = get, // the start value (the corpus's own defaults)
    };

    /// <summary>The demo's own fields, resolved by <see cref="Table"/>.</summary>
    /// <param name="Corpus">The corpus.</param>
    /// <param name="TokenizerVocab">BPE vocabulary.</param>
    /// <param name="TokenizerChars">Characters the tokenizer is trained on.</param>
    /// <param name="Arms">Students.</param>
    /// <param name="Regime">How the students start.</param>
    /// <param name="Seeds">The students' seeds.</param>
    /// <param name="GeneralChars">General text for the base model.</param>
    internal sealed record DemoOwn(SynthOptions Corpus, int TokenizerVocab, long TokenizerChars, IReadOnlyList<ObjectiveSpec> Arms, DemoRegime Regime, IReadOnlyList<ulong> Seeds, long GeneralChars);

    private sealed class TierKind : ValueKind<TierMix>
    {
        public override string Domain => "easy=w,medium=w,hard=w";

        public override bool TryParse(string raw, out TierMix value, out string? error)
        {
            try
            {
                value = TierMix.Parse(raw, "corpus.tiers");
                error = null;
                return true;
            }
            catch (SiftException ex)
            {
                value = new TierMix();
                error = ex.Message;
                return false;
            }
        }

        public override string Format(TierMix value) => value.ToString();
    }

    private sealed class TierListKind : ValueKind<IReadOnlyList<Tier>>
    {
        public override string Domain => "easy, medium, hard (comma list)";

        public override bool TryParse(string raw, out IReadOnlyList<Tier> value, out string? error)
        {
            try
            {
                value = TierNames.ParseList(raw, "corpus.eval_tiers");
                error = null;
                return true;
            }
            catch (SiftException ex)
            {
                value = [];
                error = ex.Message;
                return false;
            }
        }

        public override string Format(IReadOnlyList<Tier> value) => TierNames.Format(value);
    }

    private sealed class SeedsKind : ValueKind<IReadOnlyList<ulong>>
    {
        public override string Domain => "a comma list of distinct seeds, e.g. 1,2,3";

        public override bool TryParse(string raw, out IReadOnlyList<ulong> value, out string? error)
        {
            var parts = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var seeds = new List<ulong>();
            foreach (string p in parts)
            {
                if (!ulong.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong v))
                {
                    value = [];
                    error = $"'{p}' is not a seed (a non-negative integer)";
                    return false;
                }
                seeds.Add(v);
            }
            error = seeds.Count == 0 ? "expected at least one seed" : seeds.Distinct().Count() != seeds.Count ? "seeds must be distinct" : null;
            value = error is null ? seeds : [];
            return error is null;
        }

        public override string Format(IReadOnlyList<ulong> value) => string.Join(",", value);
    }

    private sealed class ArmsKind : ValueKind<IReadOnlyList<ObjectiveSpec>>
    {
        public override string Domain => "a comma list of objectives";

        public override bool TryParse(string raw, out IReadOnlyList<ObjectiveSpec> value, out string? error)
        {
            var names = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = names.Where(n => ObjectiveRegistry.Find(n) is null).ToList();
            error = unknown.Count > 0 ? $"unknown objective '{unknown[0]}' (one of {string.Join(", ", ObjectiveRegistry.Names)})" : null;
            value = error is null ? names.Distinct().Select(n => ObjectiveRegistry.Find(n)!).ToList() : [];
            return error is null;
        }

        public override string Format(IReadOnlyList<ObjectiveSpec> value) => string.Join(",", value.Select(a => a.Name));
    }
}
