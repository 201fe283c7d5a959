using System.Globalization;
using System.Text;
using System.Text.Json;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Demo;

/// <summary>The demo's human-readable outputs: the console table, report.md and demo.svg (plus summary.json).</summary>
internal static class DemoReport
{
    /// <summary>Writes report.md, demo.svg and summary.json into the demo folder.</summary>
    public static void WriteAll(DemoResult r)
    {
        AtomicFile.WriteAllText(Path.Combine(r.Folder, "demo.svg"), DemoChart.Render(r));
        AtomicFile.WriteAllText(Path.Combine(r.Folder, "summary.json"), DemoSummary.Build(r).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        AtomicFile.WriteAllText(Path.Combine(r.Folder, "report.md"), Markdown(r));
    }

    /// <summary>The headline in words, both token accountings labelled.</summary>
    public static string Headline(DemoResult r)
    {
        var clm = r.Baseline;
        var sb = new StringBuilder();
        if (r.Arm(DemoResult.Slm) is not ArmResult slm)
        {
            return $"CLM: clean loss {F3(clm.CleanLoss)}, accuracy {Pct(clm.Accuracy)} (no SLM student in this run).";
        }
        var s = r.SpeedupOf(DemoResult.Slm);
        sb.Append(r.Verdict.Conclusion).Append(". ");
        string mean = r.Runs.Count > 1 ? $" (means over {r.Runs.Count} seeds)" : "";
        sb.Append(CultureInfo.InvariantCulture, $"At an equal budget ({clm.Tokens:N0} tokens processed, {r.Options.Steps} steps){mean}, SLM reached clean loss {F3(slm.CleanLoss)} and accuracy {Pct(slm.Accuracy)}; ");
        sb.Append(CultureInfo.InvariantCulture, $"CLM {F3(clm.CleanLoss)} and {Pct(clm.Accuracy)}");
        if (r.Arm(RandomSelectionObjective.Spec.Name) is ArmResult rnd)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; random selection {F3(rnd.CleanLoss)} and {Pct(rnd.Accuracy)}");
        }
        sb.Append(". ");
        if (s.Tokens is double st && s.Selected is double ss)
        {
            string bound = s.Arm!.AtFirstEvaluation ? "at least " : "";
            string curve = r.Runs.Count > 1 ? "SLM's mean curve reached CLM's mean final clean loss" : "SLM reached CLM's final clean loss";
            sb.Append(CultureInfo.InvariantCulture, $"{curve} with {bound}{st:0.00}x fewer tokens processed (every token of every batch counted) ");
            sb.Append(CultureInfo.InvariantCulture, $"and {bound}{ss:0.00}x fewer selected tokens (only tokens that received gradient, Rho-1's Table 1 accounting).");
        }
        else
        {
            sb.Append("SLM did not reach CLM's final clean loss within the budget, so there is no speedup to report (both accountings: null).");
        }
        if (r.FlopsToTarget() is { } f)
        {
            sb.Append(CultureInfo.InvariantCulture, $" Counting the reference model's training and the corpus scoring, SLM needed {f.SlmWithReference / f.Clm:0.00}x CLM's FLOPs to get there ({f.Slm / f.Clm:0.00}x without them).");
        }
        return sb.ToString();
    }

    /// <summary>Whether accuracy moved at all (any student above 2% at the end).</summary>
    public static bool AccuracyMoved(DemoResult r) => r.Arms.Any(a => a.Accuracy > 0.02);

    /// <summary>The console table.</summary>
    public static string ConsoleTable(DemoResult r)
    {
        var sb = new StringBuilder();
        var tiers = Tiers(r);
        sb.Append(CultureInfo.InvariantCulture, $"{"",-10} {"tokens",12} {"trained",12} {"clean loss",10} {"answer loss",11} {"accuracy",9}");
        foreach (string t in tiers)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {t,8}");
        }
        sb.AppendLine();
        foreach (var a in r.Arms.Append(r.Reference).Concat(r.Base is null ? [] : [r.Base]))
        {
            string name = a.Objective is null ? a.Name + "*" : a.Name;
            sb.Append(CultureInfo.InvariantCulture, $"{name,-10} {a.Tokens,12:N0} {a.TrainedTokens,12:N0} {F3(a.CleanLoss),10} {F3(a.AnswerLoss),11} {Pct(a.Accuracy),9}");
            foreach (string t in tiers)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {Pct(a.TierAccuracy(t)),8}");
            }
            sb.AppendLine();
        }
        sb.AppendLine(r.Base is null ? "* the reference model trained on the clean corpus (not a student)"
            : "* the reference model (the base fine-tuned on the clean corpus) and the base model (general text only): not students");
        if (r.Runs.Count > 1)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"students: means over seeds {string.Join(", ", r.Options.Seeds)}");
            sb.AppendLine();
            sb.Append(VerdictTable(r, markdown: false));
        }
        var s = r.SpeedupOf(DemoResult.Slm);
        if (r.Arm(DemoResult.Slm) is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"speedup of the mean curves to CLM's mean final clean loss {F3(r.Target)}: tokens processed {X(s.Tokens, s.Arm)}, selected tokens {X(s.Selected, s.Arm)}");
            sb.AppendLine(r.Verdict.SpeedupSentence());
        }
        var kinds = DemoSummary.Kinds(r).Where(k => k != "separator").ToList();
        if (r.Arms.Any(a => a.Selection.Count > 0))
        {
            sb.AppendLine();
            sb.Append(CultureInfo.InvariantCulture, $"{"kept share",-14} {"corpus",7}");
            foreach (var a in r.Arms.Where(a => a.Selection.Count > 0))
            {
                sb.Append(CultureInfo.InvariantCulture, $" {a.Name,7}");
            }
            sb.AppendLine();
            foreach (string k in kinds)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{k,-14} {Pct(r.CorpusShares.GetValueOrDefault(k, double.NaN)),7}");
                foreach (var a in r.Arms.Where(a => a.Selection.Count > 0))
                {
                    sb.Append(CultureInfo.InvariantCulture, $" {Pct(a.KeptShare(k)),7}");
                }
                sb.AppendLine();
            }
        }
        sb.AppendLine();
        if (SelectionCost(r) is string cost)
        {
            sb.AppendLine("selection cost (share of each student's step time spent choosing token weights): " + cost);
        }
        sb.AppendLine("stage times: " + string.Join(", ", r.Stages.Select(st => $"{st.Name} {(st.Cached ? "cached" : ConsoleProgress.Fmt(TimeSpan.FromSeconds(st.Seconds)))}")));
        sb.AppendLine(CultureInfo.InvariantCulture, $"wall time {ConsoleProgress.Fmt(TimeSpan.FromSeconds(r.WallSeconds))} (load average {r.Load.Start:0.0} at the start, {r.Load.End:0.0} at the end)");
        return sb.ToString();
    }

    /// <summary>"slm 0.18%, random 0.04%": each student's measured objective share of its step time, or null when none was recorded.</summary>
    public static string? SelectionCost(DemoResult r)
    {
        var parts = r.Arms.Where(a => double.IsFinite(a.ObjectiveShare)).Select(a => $"{a.Name} {a.ObjectiveShare * 100:0.00}%").ToList();
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    /// <summary>report.md.</summary>
    public static string Markdown(DemoResult r)
    {
        var o = r.Options;
        var sb = new StringBuilder();
        sb.AppendLine("# Sift demo: selective language modeling (Rho-1) on the built-in corpus");
        sb.AppendLine();
        sb.AppendLine(Headline(r));
        sb.AppendLine();
        if (!AccuracyMoved(r))
        {
            sb.AppendLine("**Accuracy did not move at this budget** (every student is at or below 2% on the decoded held-out problems), so the comparison rests on the held-out clean loss.");
            sb.AppendLine();
        }
        sb.AppendLine("![clean loss and accuracy against training tokens](demo.svg)");
        sb.AppendLine();
        if (r.Arm(DemoResult.Slm) is not null)
        {
            sb.AppendLine("[tokens.html](tokens.html): web windows token by token, coloured by excess loss (SLM student − reference) and underlined where SLM's rule keeps them.");
            sb.AppendLine();
        }
        sb.AppendLine("## Verdict over seeds");
        sb.AppendLine();
        sb.AppendLine(r.Verdict.Sentences());
        sb.AppendLine();
        sb.Append(VerdictTable(r, markdown: true));
        sb.AppendLine();
        sb.AppendLine("Each seed trains every arm once (initialisation, data order and random selection change with the seed; the corpus, tokenizer" +
            (r.Base is null ? "" : ", base model") + " and reference model are shared, so the comparison measures the students' seed-to-seed spread). " +
            "*Difference from CLM*: per seed, the arm's final figure minus CLM's of the same seed; mean and 95% Student-t interval over the seeds. " +
            "A difference is larger than the seed-to-seed spread when its interval excludes 0.");
        sb.AppendLine();
        sb.Append(PerSeedTable(r));
        sb.AppendLine();
        sb.AppendLine(r.Runs.Count > 1 ? "## Students at an equal budget (means over the seeds)" : "## Students at an equal budget");
        sb.AppendLine();
        var tiers = Tiers(r);
        sb.Append("| run | tokens processed | tokens trained | clean loss | answer loss | accuracy |");
        foreach (string t in tiers)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {t} |");
        }
        sb.AppendLine(" FLOPs |");
        sb.Append("|---|---:|---:|---:|---:|---:|");
        foreach (string _ in tiers)
        {
            sb.Append("---:|");
        }
        sb.AppendLine("---:|");
        foreach (var a in r.Arms.Append(r.Reference).Concat(r.Base is null ? [] : [r.Base]))
        {
            string name = a.Objective is null ? (a.Name == "base" ? "base model (general text, not a student)" : "reference (clean corpus, not a student)") : a.Label;
            sb.Append(CultureInfo.InvariantCulture, $"| {name} | {a.Tokens:N0} | {a.TrainedTokens:N0} | {F3(a.CleanLoss)} | {F3(a.AnswerLoss)} | {Pct(a.Accuracy)} |");
            foreach (string t in tiers)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {Pct(a.TierAccuracy(t))} |");
            }
            sb.AppendLine(CultureInfo.InvariantCulture, $" {Sci(a.Flops)} |");
        }
        sb.AppendLine();
        sb.AppendLine("*Clean loss*: mean per-token loss on the held-out problems (question and worked solution). *Answer loss*: on the tokens after `####`. " +
            $"*Accuracy*: greedy decoding from the question, exact numeric match of the `####` answer, on {FinalProblems(r)} held-out problems at the end " +
            $"({(o.Student.EvalAccuracyProblems == 0 ? "all" : o.Student.EvalAccuracyProblems.ToString(CultureInfo.InvariantCulture))} at each intermediate evaluation), taken round-robin over the tiers.");
        sb.AppendLine();

        sb.AppendLine("## Speedup, both accountings");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Target: CLM's final clean loss, {F3(r.Target)}. Tokens to reach it are interpolated linearly between evaluations (every {o.EvalInterval} steps).");
        sb.AppendLine();
        sb.AppendLine("| arm | tokens processed to target | selected tokens to target | speedup, tokens processed | speedup, selected tokens |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var a in r.Arms)
        {
            var s = r.SpeedupOf(a.Name);
            bool baseline = a == r.Baseline;
            var c = baseline ? s.Baseline : s.Arm;
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {a.Name} | {(c is null ? "never" : c.Tokens.ToString("N0", CultureInfo.InvariantCulture))} | {(c is null ? "never" : c.TrainedTokens.ToString("N0", CultureInfo.InvariantCulture))} | {(baseline ? "1" : X(s.Tokens, s.Arm))} | {(baseline ? "1" : X(s.Selected, s.Arm))} |");
        }
        sb.AppendLine();
        sb.AppendLine("*Tokens processed* counts every token of every batch: what a crawl costs to read and what a step costs to compute (SLM's forward and backward are as dense as CLM's). " +
            "*Selected tokens* counts only the tokens that received gradient; Rho-1's Table 1 uses this count (\"9B\" = 60% of 15B); it turns a tokens-processed speedup s into about s ÷ select ratio.");
        sb.AppendLine();
        sb.AppendLine("### Compute, including the reference model");
        sb.AppendLine();
        sb.AppendLine("| cost | FLOPs |");
        sb.AppendLine("|---|---:|");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| reference model training ({r.Reference.Tokens:N0} tokens) | {Sci(r.Reference.Flops)} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| scoring the web corpus (forward only) | {Sci(r.ScoringFlops)} |");
        foreach (var a in r.Arms)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {a.Name} student ({a.Tokens:N0} tokens) | {Sci(a.Flops)} |");
        }
        if (r.FlopsToTarget() is { } f)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| CLM to its final clean loss | {Sci(f.Clm)} |");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| SLM to CLM's final clean loss (student only) | {Sci(f.Slm)} ({f.Slm / f.Clm:0.00}x CLM) |");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| SLM to CLM's final clean loss + reference + scoring | {Sci(f.SlmWithReference)} ({f.SlmWithReference / f.Clm:0.00}x CLM) |");
        }
        sb.AppendLine();
        sb.AppendLine("FLOPs per token: 6N + 12·L·T·d for training and 2N + 4·L·T·d for scoring (N = matrix weights including the head). Rho-1 leaves the reference model's cost out; " +
            "at this scale it is a large share because the reference is as big as the student and the corpus is small. At 15B tokens the reference's 0.5B-token training amortises, but scoring (about a third of a training pass over the corpus) does not.");
        sb.AppendLine();

        var kinds = DemoSummary.Kinds(r).Where(k => k != "separator").ToList();
        var selArms = r.Arms.Where(a => a.Selection.Count > 0).ToList();
        if (selArms.Count > 0)
        {
            sb.AppendLine("## What selection kept, by provenance");
            sb.AppendLine();
            sb.Append("| kind | share of corpus tokens |");
            foreach (var a in selArms)
            {
                sb.Append(CultureInfo.InvariantCulture, $" kept by {a.Name} |");
            }
            sb.AppendLine(" share of SLM's selected tokens |");
            sb.Append("|---|---:|");
            foreach (var _ in selArms)
            {
                sb.Append("---:|");
            }
            sb.AppendLine("---:|");
            var slm = r.Arm(DemoResult.Slm);
            long slmSel = slm?.Selection.Where(kv => kv.Key != "separator").Sum(kv => kv.Value.Selected) ?? 0;
            foreach (string k in kinds)
            {
                sb.Append(CultureInfo.InvariantCulture, $"| {k} | {Pct(r.CorpusShares.GetValueOrDefault(k, double.NaN))} |");
                foreach (var a in selArms)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" {Pct(a.KeptShare(k))} |");
                }
                double comp = slm is not null && slmSel > 0 && slm.Selection.TryGetValue(k, out var c) ? (double)c.Selected / slmSel : double.NaN;
                sb.AppendLine(CultureInfo.InvariantCulture, $" {Pct(comp)} |");
            }
            sb.AppendLine();
            sb.Append(CultureInfo.InvariantCulture, $"Clean kinds (correct problems and math prose) are {Pct(DemoSummary.CleanCorpusShare(r))} of what CLM trains on, ");
            sb.AppendLine(string.Join(", ", selArms.Select(a => $"{Pct(a.CleanShareOfKept)} of what {a.Name} trains on")) + $". Select ratio {o.SelectRatio:0.##}, ranked per {(o.Student.SelectScope == Selective.SelectScope.Batch ? "batch" : "sequence")}; counts pooled over the whole run.");
            sb.AppendLine();
        }

        sb.AppendLine("## Setup");
        sb.AppendLine();
        var c0 = o.Corpus;
        var w = c0.Web;
        sb.Append(CultureInfo.InvariantCulture, $"- Corpus (seed {o.Seed}): {c0.CleanDocuments:N0} clean documents for the reference model; {c0.WebChars:N0} characters of crawl-like web pages with noise share {w.NoiseShare:0.##} of characters ");
        sb.AppendLine(CultureInfo.InvariantCulture, $"(weights: boilerplate {w.Boilerplate}, ids {w.Ids}, tables {w.Tables}, off-topic prose {w.Prose}, wrong arithmetic {w.WrongArithmetic}); problem tiers {c0.Tiers} in the clean corpus, {c0.WebTiers ?? c0.Tiers} on the web; " +
            $"{c0.EvalPerTier} held-out problems per tier for {Sift.Synth.TierNames.Format(c0.EvalTiers)} (no training problem shares a held-out problem's {(c0.EvalDistinct == Sift.Synth.EvalDistinct.Numbers ? "template and numbers" : "text")}).");
        if (o.Regime == DemoRegime.Continued)
        {
            var b = o.Base;
            sb.AppendLine(CultureInfo.InvariantCulture, $"- Regime **continued**: a base model pretrained from scratch on {o.GeneralChars:N0} characters of general text (the corpus's non-math kinds: boilerplate, ids, tables, off-topic prose) for {b.MaxSteps} steps of {b.TokensPerStep:N0} tokens (peak LR {b.Lr:g3}, {b.ScheduleKind}); the reference model is the base fine-tuned on the clean corpus and every student starts from the base.");
        }
        else
        {
            sb.AppendLine("- Regime **scratch**: the reference model and the students start from random weights.");
        }
        var (rf, st) = (o.Reference, o.Student);
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Model: Llama {DemoPipeline.ModelText(st, o.TokenizerVocab)}, {ParamText(r)} parameters, BPE vocabulary {o.TokenizerVocab}, windows of {o.SeqLen} tokens, {o.MicroBatch} windows per step ({o.TokensPerStep:N0} tokens).");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Reference model: {rf.MaxSteps} steps of {rf.TokensPerStep:N0} tokens on the clean corpus, AdamW ({rf.Adam.Beta1:0.##}, {rf.Adam.Beta2:0.##}, wd {rf.Adam.WeightDecay:0.##}), peak LR {rf.Lr:g3}, {rf.ScheduleKind} to {rf.MinLr:g3}, {rf.WarmupSteps} warmup steps.");
        sb.Append(CultureInfo.InvariantCulture, $"- Students: {st.MaxSteps} steps on the web corpus, peak LR {st.Lr:g3} held {st.ScheduleKind} after {st.WarmupSteps} warmup steps, once per seed ({string.Join(", ", o.Seeds)}); within a seed every student has the same initialisation and data order and they differ only in the loss mask. ");
        sb.AppendLine("A constant LR keeps the comparison fair: with cosine decay every run's final point gets an annealing bonus its mid-run points lack, which inflates the tokens CLM needs to reach its own final loss.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Evaluation every {o.EvalInterval} steps on the held-out problems; reference scores computed once with the students' exact windows (T = {o.SeqLen}).");
        sb.AppendLine();
        sb.AppendLine("## Stages");
        sb.AppendLine();
        sb.AppendLine("| stage | wall time | FLOPs | |");
        sb.AppendLine("|---|---:|---:|---|");
        foreach (var stage in r.Stages)
        {
            string sub = stage.Output is SynthStageResult sy ? string.Join(", ", sy.Seconds.Where(kv => kv.Key != "total").Select(kv => $"{kv.Key} {kv.Value:0.0}s")) : "";
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {stage.Name} | {stage.Seconds:0.0}s | {(stage.Output.Flops is double fl ? Sci(fl) : "")} | {(stage.Cached ? "cached (time of the run that made it)" : sub)} |");
        }
        sb.AppendLine();
        if (SelectionCost(r) is string cost)
        {
            sb.AppendLine("Selection cost (share of each student's step time spent choosing token weights): " + cost + " (the target is at most 5% for slm).");
            sb.AppendLine();
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"Wall time of this invocation: {r.WallSeconds:0.0}s on {Environment.ProcessorCount} cores with {o.Threads} compute threads; load average {r.Load.Start:0.0} at the start and {r.Load.End:0.0} at the end (timings on a shared machine stretch with the load).");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Reproduce: `{r.Command}` (every option is in `summary.json`).");
        return sb.ToString();
    }

    /// <summary>Per arm and figure: mean ± sd over the seeds, difference from CLM with its 95% interval, and the outcome.</summary>
    public static string VerdictTable(DemoResult r, bool markdown)
    {
        var v = r.Verdict;
        var sb = new StringBuilder();
        var arms = r.Options.Arms.Select(a => a.Name).ToList();
        if (markdown)
        {
            sb.AppendLine("| figure | arm | mean ± sd over seeds | difference from CLM [95% interval] | outcome |");
            sb.AppendLine("|---|---|---:|---:|---|");
        }
        else
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{"figure",-20} {"arm",-8} {"mean ± sd",17} {"arm − CLM [95% interval]",34}  outcome");
        }
        foreach (var m in v.Metrics)
        {
            foreach (string arm in arms)
            {
                string diff = arm == ObjectiveRegistry.Clm.Name ? "" : m.DiffText(arm);
                string outcome = arm == ObjectiveRegistry.Clm.Name ? "baseline" : DemoSummary.OutcomeName(m.OutcomeOf(arm)).Replace('_', ' ');
                sb.AppendLine(markdown
                    ? $"| {m.Label} | {arm} | {m.MeanSd(arm)} | {diff} | {outcome} |"
                    : string.Create(CultureInfo.InvariantCulture, $"{m.Label,-20} {arm,-8} {m.MeanSd(arm),17} {diff,34}  {outcome}"));
            }
        }
        return sb.ToString();
    }

    /// <summary>Each seed's final figures and SLM's speedups (report.md).</summary>
    public static string PerSeedTable(DemoResult r)
    {
        var sb = new StringBuilder();
        var v = r.Verdict;
        sb.Append("| seed |");
        foreach (var a in r.Options.Arms)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {a.Name} clean loss | {a.Name} accuracy |");
        }
        sb.AppendLine(" SLM speedup, tokens processed | SLM speedup, selected tokens |");
        sb.Append("|---:|");
        foreach (var _ in r.Options.Arms)
        {
            sb.Append("---:|---:|");
        }
        sb.AppendLine("---:|---:|");
        for (int i = 0; i < r.Runs.Count; i++)
        {
            var run = r.Runs[i];
            sb.Append(CultureInfo.InvariantCulture, $"| {run.Seed} |");
            foreach (var a in r.Options.Arms)
            {
                var x = run.Arm(a.Name);
                sb.Append(CultureInfo.InvariantCulture, $" {F3(x?.CleanLoss ?? double.NaN)} | {Pct(x?.Accuracy ?? double.NaN)} |");
            }
            double st = i < v.SpeedupTokens.Values.Count ? v.SpeedupTokens.Values[i] : double.NaN, ss = i < v.SpeedupSelected.Values.Count ? v.SpeedupSelected.Values[i] : double.NaN;
            sb.AppendLine(CultureInfo.InvariantCulture, $" {(double.IsFinite(st) ? st.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "never")} | {(double.IsFinite(ss) ? ss.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "never")} |");
        }
        return sb.ToString();
    }

    private static string ParamText(DemoResult r) =>
        r.Stages.Select(s => s.Output).OfType<TrainStageResult>().FirstOrDefault()?.Parameters.ToString(CultureInfo.InvariantCulture) ?? "?";

    private static List<string> Tiers(DemoResult r)
    {
        string[] order = ["easy", "medium", "hard"];
        return r.Arms.Append(r.Reference).SelectMany(a => a.Final.Tiers?.Keys ?? Enumerable.Empty<string>())
            .Distinct().OrderBy(t => Array.IndexOf(order, t) is int i && i >= 0 ? i : 100).ThenBy(t => t, StringComparer.Ordinal).ToList();
    }

    private static string X(double? v, Crossing? c) => v is double d ? (c?.AtFirstEvaluation == true ? "≥ " : "") + d.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "never reached";

    internal static string F3(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "–";

    internal static string Pct(double v) => double.IsFinite(v) ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    internal static string Sci(double v) => v > 0 && double.IsFinite(v) ? v.ToString("0.00e+0", CultureInfo.InvariantCulture) : "–";

    /// <summary>Problems decoded at the students' final evaluation (the count the accuracy columns rest on).</summary>
    private static string FinalProblems(DemoResult r) =>
        r.Arms.Count > 0 && r.Arms[0].Final.AccuracyProblems is int n and > 0 ? n.ToString("N0", CultureInfo.InvariantCulture) : "the";
}
