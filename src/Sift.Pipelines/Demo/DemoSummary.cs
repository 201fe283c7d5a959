using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Demo;

/// <summary>
/// The demo's JSON summary (summary.json, and stdout with --json). For each student (clm, slm, random):
/// tokens, trained_tokens, clean_loss, answer_loss, accuracy, tiers, flops, seconds; then speedup_tokens and
/// speedup_selected_tokens of SLM against CLM's final clean loss (null when SLM never reaches it),
/// selected_share per provenance kind, the FLOP accounting with the reference model, and per-stage times.
/// </summary>
internal static class DemoSummary
{
    /// <summary>Schema version of summary.json.</summary>
    public const int Version = 2;

    /// <summary>Builds the summary.</summary>
    public static JsonObject Build(DemoResult r, bool withFolder = true)
    {
        var o = r.Options;
        var s = new JsonObject
        {
            ["format"] = "sift-demo",
            ["version"] = Version,
        };
        if (withFolder)
        {
            s["folder"] = r.Folder;
        }
        s["regime"] = o.Regime == DemoRegime.Continued ? "continued" : "scratch";
        s["seeds"] = new JsonArray(o.Seeds.Select(x => (JsonNode)x).ToArray());
        s["conclusion"] = r.Verdict.Conclusion;
        s["verdict"] = VerdictJson(r.Verdict);
        foreach (var a in r.Arms)
        {
            // The arm's mean over the seeds, then each seed's run.
            var j = ArmJson(a);
            j["per_seed"] = new JsonArray(r.Runs.Select(run => run.Arm(a.Name)).OfType<ArmResult>().Select(x => (JsonNode)new JsonObject
            {
                ["seed"] = x.Seed,
                ["tokens"] = x.Tokens,
                ["trained_tokens"] = x.TrainedTokens,
                ["clean_loss"] = Round(x.CleanLoss),
                ["answer_loss"] = Round(x.AnswerLoss),
                ["accuracy"] = Round(x.Accuracy),
                ["accuracy_problems"] = x.Final.AccuracyProblems,
            }).ToArray());
            s[a.Name] = j;
        }
        s["reference"] = ArmJson(r.Reference);
        if (r.Base is not null)
        {
            s["base"] = ArmJson(r.Base);
        }
        var slm = r.SpeedupOf(DemoResult.Slm);
        s["target_clean_loss"] = Round(r.Target);
        s["speedup_tokens"] = Round(slm.Tokens);
        s["speedup_selected_tokens"] = Round(slm.Selected);
        s["speedup_lower_bound"] = slm.Arm?.AtFirstEvaluation == true;
        s["clm_tokens_to_target"] = Round(slm.Baseline?.Tokens);
        s["slm_tokens_to_target"] = Round(slm.Arm?.Tokens);
        s["slm_trained_tokens_to_target"] = Round(slm.Arm?.TrainedTokens);
        var rnd = r.SpeedupOf(RandomSelectionObjective.Spec.Name);
        s["random_speedup_tokens"] = Round(rnd.Tokens);
        s["random_speedup_selected_tokens"] = Round(rnd.Selected);
        s["speedup_note"] = (slm.Tokens is null && r.Arm(DemoResult.Slm) is not null
            ? "SLM's mean curve never reached CLM's mean final clean loss within the budget, so both speedups are null. "
            : "speedup_tokens counts every token of every batch (tokens processed); speedup_selected_tokens counts only tokens that received gradient (Rho-1's Table 1 accounting). ") +
            "These two are read off the seed-mean curves; verdict.speedup_tokens has each seed's own speedup and their 95% interval";

        var corpus = new JsonObject();
        foreach (string kind in Kinds(r))
        {
            corpus[kind] = Round(r.CorpusShares.GetValueOrDefault(kind, double.NaN));
        }
        // selected_share is SLM's (the schema); the other selective arms get selected_share_<arm>.
        foreach (var a in r.Arms.Where(a => a != r.Baseline))
        {
            var sel = new JsonObject();
            foreach (string kind in Kinds(r))
            {
                sel[kind] = Round(a.KeptShare(kind));
            }
            s[a.Name == DemoResult.Slm ? "selected_share" : $"selected_share_{a.Name}"] = sel;
        }
        s["corpus_token_share"] = corpus;
        var cleanShare = new JsonObject { [r.Baseline.Name] = Round(CleanCorpusShare(r)) };
        foreach (var a in r.Arms.Where(a => a != r.Baseline))
        {
            cleanShare[a.Name] = Round(a.CleanShareOfKept);
        }
        s["clean_share_of_trained"] = cleanShare;
        if (r.Arm(OracleSelectionObjective.Spec.Name) is not null)
        {
            var o2 = r.SpeedupOf(OracleSelectionObjective.Spec.Name);
            s["oracle_speedup_tokens"] = Round(o2.Tokens);
            s["oracle_speedup_selected_tokens"] = Round(o2.Selected);
        }

        var flops = new JsonObject
        {
            ["reference_training"] = r.Reference.Flops,
            ["scoring"] = r.ScoringFlops,
        };
        foreach (var a in r.Arms)
        {
            flops[a.Name] = a.Flops;
        }
        if (r.Arm(DemoResult.Slm) is ArmResult slmArm)
        {
            flops["slm_with_reference"] = slmArm.Flops + r.Reference.Flops + r.ScoringFlops;
        }
        var toTarget = r.FlopsToTarget();
        flops["to_target"] = toTarget is { } t ? new JsonObject
        {
            ["clm"] = t.Clm,
            ["slm"] = t.Slm,
            ["slm_with_reference"] = t.SlmWithReference,
            ["speedup_without_reference"] = Round(t.Clm / t.Slm),
            ["speedup_with_reference"] = Round(t.Clm / t.SlmWithReference),
        } : null;
        flops["convention"] = "6N + 12·L·T·d per training token, 2N + 4·L·T·d per scored token (N: matrix weights incl. the head); evaluation not counted";
        s["flops"] = flops;

        var stages = new JsonArray();
        foreach (var st in r.Stages)
        {
            stages.Add(new JsonObject
            {
                ["name"] = st.Name,
                ["seconds"] = st.Seconds,
                ["cached"] = st.Cached,
                ["flops"] = st.Output.Flops,
                ["sub_seconds"] = st.Output is SynthStageResult sy ? new JsonObject(sy.Seconds.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))) : null,
                ["folder"] = st.Folder,
            });
        }
        s["stages"] = stages;
        s["wall_seconds"] = Math.Round(r.WallSeconds, 3);
        s["stage_seconds_total"] = Math.Round(r.Stages.Sum(x => x.Seconds), 3);
        s["load_average"] = new JsonObject { ["start"] = Round(r.Load.Start), ["end"] = Round(r.Load.End) };
        s["options"] = OptionsJson(o);
        return s;
    }

    /// <summary>Provenance kinds to tabulate: those in the corpus, clean kinds first, separators last.</summary>
    public static IReadOnlyList<string> Kinds(DemoResult r)
    {
        var kinds = r.CorpusShares.Keys.Concat(r.Arms.SelectMany(a => a.Selection.Keys)).Distinct().ToList();
        string[] order = ["clean", "math_prose", "wrong_context", "wrong_number", "boilerplate", "ids", "table", "prose", "separator"];
        return kinds.Where(k => r.CorpusShares.GetValueOrDefault(k) > 0 || r.Arms.Any(a => a.Selection.ContainsKey(k)))
            .OrderBy(k => Array.IndexOf(order, k) is int i && i >= 0 ? i : 100).ThenBy(k => k, StringComparer.Ordinal).ToList();
    }

    /// <summary>Share of the corpus's text tokens that are clean kinds (what CLM trains on).</summary>
    public static double CleanCorpusShare(DemoResult r)
    {
        double text = r.CorpusShares.Where(kv => kv.Key != "separator").Sum(kv => kv.Value);
        double clean = r.CorpusShares.Where(kv => kv.Key is "clean" or "math_prose").Sum(kv => kv.Value);
        return text > 0 ? clean / text : double.NaN;
    }

    /// <summary>The verdict: per figure each arm's spread and its paired difference from CLM, the conclusion, the speedups per seed.</summary>
    public static JsonObject VerdictJson(DemoVerdict v)
    {
        var metrics = new JsonObject();
        foreach (var m in v.Metrics)
        {
            var arms = new JsonObject();
            foreach (var (arm, spread) in m.ByArm)
            {
                var j = new JsonObject { ["spread"] = SpreadJson(spread) };
                if (m.Difference.TryGetValue(arm, out var d))
                {
                    j["difference_from_clm"] = SpreadJson(d);
                    j["outcome"] = OutcomeName(m.OutcomeOf(arm));
                }
                arms[arm] = j;
            }
            var figure = new JsonObject { ["lower_is_better"] = m.LowerIsBetter, ["arms"] = arms };
            if (double.IsFinite(m.Chance))
            {
                figure["chance"] = new JsonObject { ["answer"] = m.ChanceAnswer, ["accuracy"] = Round(m.Chance), ["ceiling"] = Round(m.ChanceCeiling), ["problems"] = m.ChanceProblems };
            }
            metrics[m.Key] = figure;
        }
        return new JsonObject
        {
            ["arm"] = v.Arm,
            ["seeds"] = new JsonArray(v.Seeds.Select(x => (JsonNode)x).ToArray()),
            ["conclusion"] = v.Conclusion,
            ["rule"] = "per seed, arm − CLM of the same seed; mean and 95% Student-t interval over the seeds; 'better'/'worse' when the interval excludes 0, else 'within_noise'; accuracy is 'at_chance' when both means are below chance.ceiling (always giving the most common held-out answer, plus 1.96 binomial standard errors)",
            ["metrics"] = metrics,
            ["speedup_tokens"] = SpreadJson(v.SpeedupTokens),
            ["speedup_selected_tokens"] = SpreadJson(v.SpeedupSelected),
        };
    }

    /// <summary>Stable names of outcomes in JSON.</summary>
    public static string OutcomeName(Outcome o) => o.JsonName();

    private static JsonObject SpreadJson(SeedSpread s) => new()
    {
        ["per_seed"] = new JsonArray(s.Values.Select(v => Round(v)).ToArray()),
        ["n"] = s.N,
        ["mean"] = Round(s.Mean),
        ["sd"] = Round(s.Sd),
        ["ci95_low"] = Round(s.Low),
        ["ci95_high"] = Round(s.High),
    };

    private static JsonObject ArmJson(ArmResult a) => new()
    {
        ["tokens"] = a.Tokens,
        ["trained_tokens"] = a.TrainedTokens,
        ["clean_loss"] = Round(a.CleanLoss),
        ["answer_loss"] = Round(a.AnswerLoss),
        ["accuracy"] = Round(a.Accuracy),
        ["tiers"] = a.Final.Tiers is { } tiers ? JsonSerializer.SerializeToNode(tiers, PipelinesJson.Default.DictionaryStringTierEval) : null,
        ["flops"] = a.Flops,
        ["seconds"] = Math.Round(a.Seconds, 3),
        ["objective_share"] = Round(a.ObjectiveShare),
        ["curve"] = new JsonArray(a.Curve.Select(p => (JsonNode)new JsonObject
        {
            ["step"] = p.Step,
            ["tokens"] = p.Tokens,
            ["trained_tokens"] = p.TrainedTokens,
            ["clean_loss"] = Round(p.CleanLoss),
            ["answer_loss"] = Round(p.AnswerLoss),
            ["accuracy"] = Round(p.Accuracy),
        }).ToArray()),
    };

    /// <summary>Every setting of the run: corpus and tokenizer, both recipes' values, the arms (summaries and study keys).</summary>
    public static JsonObject OptionsJson(DemoOptions o) => new()
    {
        ["seed"] = o.Seed,
        ["seeds"] = new JsonArray(o.Seeds.Select(x => (JsonNode)x).ToArray()),
        ["regime"] = o.Regime == DemoRegime.Continued ? "continued" : "scratch",
        ["threads"] = o.Threads,
        ["corpus"] = Strings(DemoStages.CorpusSettings(o)),
        ["reference"] = Strings(o.Reference.ResumeValues()),
        ["student"] = Strings(o.Student.ResumeValues()),
        ["base"] = o.Regime == DemoRegime.Continued ? Strings(o.Base.ResumeValues()) : null,
        ["general_chars"] = o.Regime == DemoRegime.Continued ? o.GeneralChars : null,
        ["tokens_per_step"] = o.TokensPerStep,
        ["arms"] = new JsonArray(o.Arms.Select(a => (JsonNode)JsonValue.Create(a.Name)!).ToArray()),
        ["settings"] = new JsonArray(o.Layers.Where(l => l.Settings.Count > 0).Select(l => (JsonNode)new JsonObject
        {
            ["from"] = l.Where,
            ["settings"] = new JsonArray(l.Settings.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray()),
        }).ToArray()),
    };

    /// <summary>What makes two configurations the same experiment: <see cref="OptionsJson"/> without threads and the settings' wording.</summary>
    public static JsonObject OptionsIdentity(DemoOptions o)
    {
        var j = OptionsJson(o);
        j.Remove("threads");
        j.Remove("settings");
        foreach (string run in new[] { "reference", "student", "base" })
        {
            if (j[run] is JsonObject recipe)
            {
                recipe.Remove("train.threads");
                recipe.Remove("train.gemm");
            }
        }
        return j;
    }

    private static JsonObject Strings(IReadOnlyDictionary<string, string> d) => new(d.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));

    /// <summary>Rounds to 6 decimals; non-finite and null become JSON null.</summary>
    public static JsonNode? Round(double? v) => v is double d && double.IsFinite(d) ? JsonValue.Create(Math.Round(d, 6)) : null;
}
