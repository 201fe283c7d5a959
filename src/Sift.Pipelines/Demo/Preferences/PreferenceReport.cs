using System.Globalization;
using System.Text;
using Sift.Core.IO;
using Sift.Core.Reporting;

namespace Sift.Pipelines.Demo.Preferences;

/// <summary>The preference demo's outputs: the console table, report.md, preferences.svg and summary.json.</summary>
internal static class PreferenceReport
{
    /// <summary>Writes report.md, preferences.svg and summary.json into the demo folder.</summary>
    public static void WriteAll(PreferenceResult r)
    {
        AtomicFile.WriteAllText(Path.Combine(r.Folder, "preferences.svg"), Chart(r));
        AtomicFile.WriteAllText(Path.Combine(r.Folder, "summary.json"), PreferenceSummary.Build(r).ToJson() + "\n");
        AtomicFile.WriteAllText(Path.Combine(r.Folder, "report.md"), Markdown(r));
    }

    /// <summary>The console table: each stage's held-out accuracy over the seeds and its paired difference from SFT.</summary>
    public static string ConsoleTable(PreferenceResult r)
    {
        var sb = new StringBuilder();
        string seeds = string.Join(" ", r.Options.Seeds.Select(s => $"{"s" + s.ToString(CultureInfo.InvariantCulture),6}"));
        sb.Append(CultureInfo.InvariantCulture, $"{"stage",-20} {"accuracy",15} {seeds}  {"− SFT (paired, 95%)",-30} verdict\n");
        foreach (var c in r.Columns)
        {
            string per = string.Join(" ", r.Options.Seeds.Select(s => $"{Pct(c.Name == "base" ? c.Scores[0].Score.Accuracy : c.AccuracyOf(s)),6}"));
            string diff = c.Rule is null ? "" : DiffText(r.VersusSft(c));
            string verdict = c.Rule is null ? "" : PreferenceResult.Words(r.OutcomeVersusSft(c));
            sb.Append(CultureInfo.InvariantCulture, $"{c.Label,-20} {MeanSd(c.Accuracy),15} {per}  {diff,-30} {verdict}\n");
        }
        var l = r.Leaks;
        sb.Append(CultureInfo.InvariantCulture, $"decontamination: {l.CleanFlaggedHeldOut} of {l.HeldOutProblems:N0} held-out problems flagged against the {l.CleanProblems:N0} fine-tuning problems ");
        sb.Append(CultureInfo.InvariantCulture, $"({l.Removed:N0} of {l.TrainingProblems:N0} removed first); planted leak {(l.Planted.CaughtExactly ? "caught (the only item flagged)" : PlantText(l.Planted))}\n");
        return sb.ToString();
    }

    /// <summary>report.md.</summary>
    public static string Markdown(PreferenceResult r)
    {
        var o = r.Options;
        var d = o.Demo;
        var sb = new StringBuilder();
        sb.Append("# Preference learning on the built-in corpus (`sift demo preferences`)\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Command: `{r.Command}`\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"**{Capital(r.Conclusion)}.**\n\n");
        int heldOut = d.Corpus.EvalPerTier * d.Corpus.EvalTiers.Count;
        int decoded = r.Columns[0].Scores[0].Score.AccuracyProblems;
        sb.Append(CultureInfo.InvariantCulture, $"Held-out accuracy: batched greedy decoding of {decoded:N0} of the {heldOut:N0} held-out problems ");
        sb.Append("(tiers: ").Append(string.Join(", ", d.Corpus.EvalTiers.Select(t => t.ToString().ToLowerInvariant()))).Append("), the grader of `sift demo`: correct when the first number after `####` equals the gold answer. ");
        sb.Append(CultureInfo.InvariantCulture, $"Seeds {string.Join(", ", o.Seeds)}: each seed trains SFT (data order) and every rule's iterations (sampling and data order) once; the base model is shared. ");
        sb.Append("Differences from SFT are paired by seed (mean and 95% Student-t interval of the per-seed difference); a stage is better or worse than SFT *beyond seed noise* when the interval excludes 0.\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"| stage | accuracy (mean ± sd) | {string.Join(" | ", o.Seeds.Select(s => $"seed {s}"))} | − SFT, paired [95%] | verdict |\n");
        sb.Append("|---|---:|").Append(string.Concat(o.Seeds.Select(_ => "---:|"))).Append("---:|---|\n");
        foreach (var c in r.Columns)
        {
            string per = string.Join(" | ", o.Seeds.Select(s => Pct(c.Name == "base" ? c.Scores[0].Score.Accuracy : c.AccuracyOf(s))));
            sb.Append(CultureInfo.InvariantCulture, $"| {c.Label} | {MeanSd(c.Accuracy)} | {per} | {(c.Rule is null ? "" : DiffText(r.VersusSft(c)))} | {(c.Rule is null ? "" : PreferenceResult.Words(r.OutcomeVersusSft(c)))} |\n");
        }
        sb.Append("\n![held-out accuracy per stage](preferences.svg)\n\n");

        sb.Append("## Stages\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"- **Base model**: `sift demo`'s reference model, CLM on the clean corpus ({d.Corpus.CleanDocuments:N0} documents), {DemoPipeline.ModelText(d.Reference, d.TokenizerVocab)}, {d.Reference.MaxSteps} steps.\n");
        sb.Append(CultureInfo.InvariantCulture, $"- **SFT**: answer-only (loss on the solution tokens only) from the base model on the {r.Leaks.CleanProblems:N0} decontaminated training problems, {o.Sft.MaxSteps} steps of {o.Sft.MicroBatch} packed rows × {o.Sft.SeqLen} tokens, lr {o.Sft.Lr.ToString("G3", CultureInfo.InvariantCulture)}.\n");
        if (o.Iterations > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"- **Self-training** (`SelfTrainLoop`, as `sift selftrain`): from each seed's SFT model, {o.Iterations} iteration(s); each samples {o.Samples} solutions (temperature {o.Temperature}, top-p {o.TopP}) for {o.Problems} easy training problems, ");
            sb.Append("grades them against the gold answer, and trains the next model on them: KTO on every graded solution with its label plus the teacher solutions (desirable), DPO on (correct, wrong) pairs of a problem (the teacher solution counts as correct).");
            if (o.PreferenceTrain.Count > 0)
            {
                sb.Append(" Training overrides: `").Append(string.Join("`, `", o.PreferenceTrain)).Append("`.");
            }
            sb.Append('\n');
            sb.Append("\n| rule | seed | iteration | sample accuracy | examples | steps | held-out accuracy | sampling s | training s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            foreach (var (rule, seed, run) in r.SelfTrain)
            {
                foreach (var it in run.Iterations)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"| {rule} | {seed} | {it.Iteration} | {Pct(it.SampleAccuracy)} | {it.Examples:N0} | {it.Steps} | {Pct(it.HeldOut.Accuracy)} | {it.SampleSeconds:0} | {it.TrainSeconds:0} |\n");
                }
            }
        }
        sb.Append('\n');

        var l = r.Leaks;
        sb.Append("## Decontamination\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"`sift decontaminate`'s check (Orca-Math: each held-out question's 10 nearest training questions by TF-IDF cosine, flagged above a unigram Jaccard of {l.Threshold}). ");
        sb.Append(CultureInfo.InvariantCulture, $"Against all {l.TrainingProblems:N0} training problems of the corpus it flags {l.RawFlaggedHeldOut:N0} of the {l.HeldOutProblems:N0} held-out problems ({l.RawFlaggedTraining:N0} training problems): ");
        sb.Append("the templates share their wording, so a training problem of the same template and items with other names or numbers passes the threshold (the generator keeps held-out instances out of training, not their siblings). ");
        sb.Append(CultureInfo.InvariantCulture, $"The fine-tuning and self-training problems are therefore decontaminated first: {l.Rounds} run(s) of removal until clean took out {l.Removed:N0} problems, leaving {l.CleanProblems:N0}, ");
        sb.Append(CultureInfo.InvariantCulture, $"against which a fresh check flags **{l.CleanFlaggedHeldOut}** held-out problems.\n\n");
        var p = l.Planted;
        sb.Append(CultureInfo.InvariantCulture, $"Planted leak: held-out problem {p.HeldOutIndex} (\"{p.HeldOut}\") paraphrased with every number changed (\"{p.Planted}\") and appended to a copy of the clean problems (item {p.PlantedIndex}). ");
        sb.Append(p.CaughtExactly
            ? $"The check flags **exactly that item** (unigram Jaccard {p.UnigramJaccard?.ToString("0.000", CultureInfo.InvariantCulture)}).\n\n"
            : $"**{PlantText(p)}**.\n\n");
        sb.Append("The base model itself was trained on the whole clean corpus (`sift demo`'s reference model), siblings included; decontamination here covers what SFT and self-training add.\n\n");

        sb.Append("## Cost\n\n| stage | seconds | |\n|---|---:|---|\n");
        foreach (var s in r.Stages)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {s.Name} | {s.Seconds:0.0} | {(s.Cached ? "cached (time of the run that made it)" : "")} |\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"\nWall time of this invocation {ConsoleProgress.Fmt(TimeSpan.FromSeconds(r.WallSeconds))}, {o.Threads} threads, 1-minute load average {Load(r.Load.Start)} at the start and {Load(r.Load.End)} at the end ({Environment.ProcessorCount} logical CPUs).\n");
        return sb.ToString();
    }

    /// <summary>preferences.svg: held-out accuracy per stage, a line per rule from the base model through SFT and its iterations, min–max band over seeds.</summary>
    public static string Chart(PreferenceResult r)
    {
        var series = new List<ChartSeries>();
        var b = r.Columns[0];
        var sft = r.Sft;
        double baseAcc = b.Scores[0].Score.Accuracy;
        (double, double, double) Band(double x, StageScores c) => (x, c.Scores.Min(s => s.Score.Accuracy), c.Scores.Max(s => s.Score.Accuracy));
        var rules = r.Columns.Where(c => c.Rule is not null).Select(c => c.Rule!).Distinct().ToList();
        string[] colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"];
        if (rules.Count == 0)
        {
            series.Add(new ChartSeries("SFT", [(0, baseAcc), (1, sft.Accuracy.Mean)], Band: r.Options.Seeds.Count > 1 ? [(0, baseAcc, baseAcc), Band(1, sft)] : null, Color: colors[2]));
        }
        for (int k = 0; k < rules.Count; k++)
        {
            var cols = r.Columns.Where(c => c.Rule == rules[k]).OrderBy(c => c.Iteration).ToList();
            var points = new List<(double, double)> { (0, baseAcc), (1, sft.Accuracy.Mean) };
            var band = new List<(double, double, double)> { (0, baseAcc, baseAcc), Band(1, sft) };
            foreach (var c in cols)
            {
                points.Add((1 + c.Iteration, c.Accuracy.Mean));
                band.Add(Band(1 + c.Iteration, c));
            }
            series.Add(new ChartSeries(rules[k].ToUpperInvariant(), points, Band: r.Options.Seeds.Count > 1 ? band : null, Color: colors[k % colors.Length]));
        }
        string seeds = r.Options.Seeds.Count > 1 ? $"mean of {r.Options.Seeds.Count} seeds, min–max band" : "one seed";
        return new SvgLineChart
        {
            Title = $"Held-out accuracy per stage ({seeds}): {r.Conclusion}",
            XLabel = "stage: 0 base model, 1 SFT, 2.. self-training iterations",
            YLabel = "greedy accuracy",
            Width = 900,
            Height = 460,
            LegendWidth = 120,
            Tight = true,
        }.Render(series);
    }

    private static string PlantText(PlantedLeak p) => p.Flagged.Count == 0
        ? "the planted leak was NOT flagged"
        : $"the check flagged items {string.Join(", ", p.Flagged)}, the planted one being {p.PlantedIndex}";

    private static string DiffText(SeedSpread d)
    {
        string S(double v) => (v > 0 ? "+" : v < 0 ? "−" : "") + (Math.Abs(v) * 100).ToString("0.0", CultureInfo.InvariantCulture);
        return d.N == 0 ? "–" : d.N == 1 ? S(d.Mean) + " points" : $"{S(d.Mean)} [{S(d.Low)}, {S(d.High)}] points";
    }

    private static string MeanSd(SeedSpread s) => s.N == 0 ? "–" : s.N == 1 ? Pct(s.Mean)
        : $"{(s.Mean * 100).ToString("0.0", CultureInfo.InvariantCulture)} ± {(s.Sd * 100).ToString("0.0", CultureInfo.InvariantCulture)}%";

    private static string Pct(double v) => double.IsFinite(v) ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    private static string Load(double v) => double.IsFinite(v) ? v.ToString("0.0", CultureInfo.InvariantCulture) : "unknown";

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
