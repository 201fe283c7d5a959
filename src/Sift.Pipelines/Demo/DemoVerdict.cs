using System.Globalization;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Demo;

/// <summary>What a paired comparison over seeds says about an arm against CLM.</summary>
internal enum Outcome
{
    /// <summary>Better than CLM: the 95% interval of the per-seed difference excludes 0 on the good side.</summary>
    Better,

    /// <summary>The interval includes 0: the difference is within the seed-to-seed spread.</summary>
    WithinNoise,

    /// <summary>Worse than CLM beyond the seed-to-seed spread.</summary>
    Worse,

    /// <summary>One seed only: no interval.</summary>
    OneSeed,

    /// <summary>
    /// Accuracy only: neither the arm nor CLM answers above chance, the accuracy of giving every problem the most common
    /// held-out answer (see <see cref="MetricVerdict.ChanceCeiling"/>); their difference is about which constant each
    /// model prefers, not about solving problems, so it is not called better or worse.
    /// </summary>
    AtChance,
}

/// <summary>The words for an <see cref="Outcome"/>, one mapping for every report, chart and JSON file.</summary>
internal static class OutcomeText
{
    /// <summary>Stable names in JSON: better, worse, within_noise, one_seed, at_chance.</summary>
    public static string JsonName(this Outcome o) => o switch
    {
        Outcome.Better => "better",
        Outcome.Worse => "worse",
        Outcome.WithinNoise => "within_noise",
        Outcome.AtChance => "at_chance",
        _ => "one_seed",
    };

    /// <summary>"better", "worse", "within seed noise", "at chance level" or "one seed" (the conclusion line).</summary>
    public static string Short(this Outcome o) => o switch
    {
        Outcome.Better => "better",
        Outcome.Worse => "worse",
        Outcome.WithinNoise => "within seed noise",
        Outcome.AtChance => "at chance level",
        _ => "one seed",
    };

    /// <summary>"better beyond seed noise" and the like (chart titles, tables).</summary>
    public static string Beyond(this Outcome o) => o switch
    {
        Outcome.Better => "better beyond seed noise",
        Outcome.Worse => "worse beyond seed noise",
        Outcome.WithinNoise => "within seed noise",
        Outcome.AtChance => "both at chance level",
        _ => "one seed (no interval)",
    };

    /// <summary>"better than CLM by more than the seed-to-seed spread" and the like (sentences).</summary>
    public static string Sentence(this Outcome o) => o switch
    {
        Outcome.Better => "better than CLM by more than the seed-to-seed spread",
        Outcome.Worse => "worse than CLM by more than the seed-to-seed spread",
        Outcome.WithinNoise => "not different from CLM beyond the seed-to-seed spread",
        Outcome.AtChance => "not compared: neither it nor CLM is above chance (always giving the most common held-out answer)",
        _ => "measured on one seed only (no interval)",
    };
}

/// <summary>One final figure (clean loss, answer loss or accuracy) over the seeds: each arm's spread and each arm's paired difference from CLM.</summary>
internal sealed record MetricVerdict
{
    /// <summary>summary.json key ("clean_loss").</summary>
    public required string Key { get; init; }

    /// <summary>Words for it ("held-out clean loss").</summary>
    public required string Label { get; init; }

    /// <summary>True for losses.</summary>
    public required bool LowerIsBetter { get; init; }

    /// <summary>Each arm's value over the seeds, by arm name (the reference model is not an arm).</summary>
    public required IReadOnlyDictionary<string, SeedSpread> ByArm { get; init; }

    /// <summary>Per seed, arm − CLM of the same seed, by arm name (CLM itself is absent).</summary>
    public required IReadOnlyDictionary<string, SeedSpread> Difference { get; init; }

    /// <summary>
    /// Accuracy only: the accuracy of giving every decoded problem the most common gold answer (<see cref="ChanceAnswer"/>),
    /// over <see cref="ChanceProblems"/> problems; NaN for the losses or when the problems are unknown.
    /// </summary>
    public double Chance { get; init; } = double.NaN;

    /// <summary>The most common gold answer among the decoded problems.</summary>
    public string? ChanceAnswer { get; init; }

    /// <summary>Problems the chance level was counted over.</summary>
    public int ChanceProblems { get; init; }

    /// <summary>
    /// Chance plus 1.96 binomial standard errors at <see cref="ChanceProblems"/>: a mean accuracy below it is not
    /// distinguishable from a model that ignores the question and gives its favourite answer (one-sided, about 2.5%).
    /// </summary>
    public double ChanceCeiling => ChanceProblems > 0 ? Chance + (1.96 * Math.Sqrt(Chance * (1 - Chance) / ChanceProblems)) : double.NaN;

    /// <summary>How an arm compares with CLM on this figure.</summary>
    public Outcome OutcomeOf(string arm)
    {
        if (!Difference.TryGetValue(arm, out var d) || d.N < 2)
        {
            return Outcome.OneSeed;
        }
        if (double.IsFinite(ChanceCeiling) && ByArm.TryGetValue(arm, out var a) && ByArm.TryGetValue(ObjectiveRegistry.Clm.Name, out var c)
            && a.Mean < ChanceCeiling && c.Mean < ChanceCeiling)
        {
            return Outcome.AtChance;
        }
        if (!d.Excludes(0))
        {
            return Outcome.WithinNoise;
        }
        return (d.Mean < 0) == LowerIsBetter ? Outcome.Better : Outcome.Worse;
    }

    /// <summary>Formats a value of this figure (losses to 3 decimals, accuracy in percent to 1).</summary>
    public string Fmt(double v) => !double.IsFinite(v) ? "–" : Key == "accuracy"
        ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture)
        : v.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Unit after a formatted value ("" for losses, " points" for accuracy differences).</summary>
    public string DiffUnit => Key == "accuracy" ? " points" : "";

    /// <summary>"mean ± sd" of an arm (accuracy in percent).</summary>
    public string MeanSd(string arm) => ByArm.TryGetValue(arm, out var s) && s.N > 0
        ? s.N == 1 ? Fmt(s.Mean) + Pct : $"{Fmt(s.Mean)} ± {Fmt(s.Sd)}{Pct}"
        : "–";

    /// <summary>" (always answering 8 scores 7.5% of the 1,000 problems; chance ceiling 9.1%)" when the outcome is at chance, else "".</summary>
    public string ChanceNote(string arm) => OutcomeOf(arm) == Outcome.AtChance
        ? string.Create(CultureInfo.InvariantCulture, $" (always answering {ChanceAnswer} scores {Chance * 100:0.0}% of the {ChanceProblems:N0} problems; chance ceiling {ChanceCeiling * 100:0.0}%)")
        : "";

    /// <summary>"−0.061 [−0.090, −0.031]": the mean difference from CLM with its 95% interval.</summary>
    public string DiffText(string arm) => Difference.TryGetValue(arm, out var d) && d.N > 0
        ? d.N >= 2 ? $"{Signed(d.Mean)} [{Signed(d.Low)}, {Signed(d.High)}]{DiffUnit}" : Signed(d.Mean) + DiffUnit
        : "–";

    private string Pct => Key == "accuracy" ? "%" : "";

    private string Signed(double v) => (v > 0 ? "+" : v < 0 ? "−" : "") + Fmt(Math.Abs(v));
}

/// <summary>
/// The demo's answer with error bars: for each final figure, every arm's mean ± standard deviation over the seeds and
/// its paired difference from CLM (per seed, arm − CLM; mean and 95% Student-t interval); for SLM the speedups of each
/// seed (its own CLM's final clean loss as the target) with their interval. A difference is "larger than the
/// seed-to-seed spread" when its interval excludes 0.
/// </summary>
internal sealed record DemoVerdict
{
    /// <summary>The arm the verdict is about (SLM).</summary>
    public required string Arm { get; init; }

    /// <summary>The seeds.</summary>
    public required IReadOnlyList<ulong> Seeds { get; init; }

    /// <summary>Clean loss, answer loss and accuracy.</summary>
    public required IReadOnlyList<MetricVerdict> Metrics { get; init; }

    /// <summary>Per seed: tokens CLM processed to reach its final clean loss ÷ tokens SLM processed (NaN: never reached).</summary>
    public required SeedSpread SpeedupTokens { get; init; }

    /// <summary>The same counting only tokens that received gradient.</summary>
    public required SeedSpread SpeedupSelected { get; init; }

    /// <summary>True when the verdict's arm was trained.</summary>
    public bool HasArm { get; init; }

    /// <summary>A figure by key.</summary>
    public MetricVerdict Metric(string key) => Metrics.First(m => m.Key == key);

    /// <summary>Builds the verdict of <paramref name="r"/> for <paramref name="arm"/> (default SLM).</summary>
    public static DemoVerdict Of(DemoResult r, string? arm = null)
    {
        arm ??= SlmObjective.Spec.Name;
        string clm = ObjectiveRegistry.Clm.Name;
        var names = r.Options.Arms.Select(a => a.Name).ToList();
        var chance = r.Runs.SelectMany(s => s.Arms).Select(a => a.Chance).FirstOrDefault(c => c.Problems > 0);
        MetricVerdict Figure(string key, string label, bool lower, Func<ArmResult, double> value) => new()
        {
            Key = key,
            Label = label,
            LowerIsBetter = lower,
            ByArm = names.ToDictionary(n => n, n => SeedSpread.Of(r.Runs.Select(s => s.Arm(n) is ArmResult a ? value(a) : double.NaN)), StringComparer.Ordinal),
            Difference = names.Where(n => n != clm).ToDictionary(n => n, n => SeedSpread.Of(r.Runs.Select(s =>
                s.Arm(n) is ArmResult a && s.Arm(clm) is ArmResult b ? value(a) - value(b) : double.NaN)), StringComparer.Ordinal),
        };
        var speedups = r.Runs.Select(s => s.Arm(clm) is ArmResult b && s.Arm(arm) is ArmResult a ? Speedup.Against(b.Curve, a.Curve) : default).ToList();
        return new DemoVerdict
        {
            Arm = arm,
            Seeds = r.Runs.Select(s => s.Seed).ToList(),
            HasArm = names.Contains(arm),
            Metrics =
            [
                Figure("clean_loss", "held-out clean loss", true, a => a.CleanLoss),
                Figure("answer_loss", "answer loss", true, a => a.AnswerLoss),
                Figure("accuracy", "accuracy", false, a => a.Accuracy) with
                {
                    Chance = chance.Problems > 0 ? chance.Accuracy : double.NaN,
                    ChanceAnswer = chance.Answer,
                    ChanceProblems = chance.Problems,
                },
            ],
            SpeedupTokens = SeedSpread.Of(speedups.Select(s => s.Tokens ?? double.NaN)),
            SpeedupSelected = SeedSpread.Of(speedups.Select(s => s.Selected ?? double.NaN)),
        };
    }

    /// <summary>
    /// The conclusion in one line, the same words whenever the outcomes are the same (what three runs on other GEMMs or
    /// seeds must agree on): "SLM vs CLM over 3 seeds: clean loss better, answer loss better, accuracy within noise."
    /// </summary>
    public string Conclusion
    {
        get
        {
            if (!HasArm)
            {
                return $"no {Arm} student in this run";
            }
            return $"{Label(Arm)} vs CLM over {Seeds.Count} seed{(Seeds.Count == 1 ? "" : "s")}: " +
                string.Join(", ", Metrics.Select(m => $"{m.Label} {m.OutcomeOf(Arm).Short()}"));
        }
    }

    /// <summary>The verdict in sentences with the numbers (console, report.md).</summary>
    public string Sentences()
    {
        if (!HasArm)
        {
            return Conclusion + ".";
        }
        var sb = new System.Text.StringBuilder();
        string name = Label(Arm);
        sb.Append(CultureInfo.InvariantCulture, $"Over {Seeds.Count} seed{(Seeds.Count == 1 ? "" : "s")} ({string.Join(", ", Seeds)}), paired per seed ({name} − CLM, mean and 95% interval): ");
        sb.Append(string.Join("; ", Metrics.Select(m => $"{m.Label} {m.DiffText(Arm)}: {m.OutcomeOf(Arm).Sentence()}{m.ChanceNote(Arm)}")));
        sb.Append(". ");
        sb.Append(SpeedupSentence());
        return sb.ToString();
    }

    /// <summary>The speedups per seed with their interval.</summary>
    public string SpeedupSentence()
    {
        var t = SpeedupTokens;
        var s = SpeedupSelected;
        string name = Label(Arm);
        if (t.N == 0)
        {
            return $"{name} reached CLM's final clean loss in none of the {Seeds.Count} seeds, so there is no speedup to report.";
        }
        string values = string.Join(", ", t.Values.Select(v => double.IsFinite(v) ? v.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "never"));
        string missing = t.Missing > 0 ? $" ({name} never reached CLM's final clean loss in {t.Missing} of {Seeds.Count} seeds; the mean is over the others)" : "";
        string ci = t.N >= 2 ? $", 95% interval {t.Low.ToString("0.00", CultureInfo.InvariantCulture)}–{t.High.ToString("0.00", CultureInfo.InvariantCulture)}x" : "";
        string cis = s.N >= 2 ? $" (95% interval {s.Low.ToString("0.00", CultureInfo.InvariantCulture)}–{s.High.ToString("0.00", CultureInfo.InvariantCulture)}x)" : "";
        return $"Speedup to each seed's CLM final clean loss: {t.Mean.ToString("0.00", CultureInfo.InvariantCulture)}x in tokens processed (per seed {values}{ci}){missing}; " +
            $"{s.Mean.ToString("0.00", CultureInfo.InvariantCulture)}x in selected tokens{cis}.";
    }

    private static string Label(string arm) => ObjectiveRegistry.Find(arm)?.Label ?? arm;
}
