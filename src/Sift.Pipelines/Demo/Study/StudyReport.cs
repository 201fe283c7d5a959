using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Demo.Study;

/// <summary>The study's outputs: study.json (every point's demo summary), study.md and one chart per axis.</summary>
internal static class StudyReport
{
    /// <summary>Writes study.json, study.md and the charts.</summary>
    public static void WriteAll(StudyResult r)
    {
        AtomicFile.WriteAllText(Path.Combine(r.Folder, "study.json"), Json(r).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        foreach (var axis in AxesWithPoints(r))
        {
            AtomicFile.WriteAllText(Path.Combine(r.Folder, ChartName(axis.Key)), AxisChart(r, axis.Key, axis.Points));
        }
        AtomicFile.WriteAllText(Path.Combine(r.Folder, "study.md"), Markdown(r));
    }

    /// <summary>study.json: the grid and, per point, its settings and the demo summary (curves included).</summary>
    public static JsonObject Json(StudyResult r)
    {
        var points = new JsonArray();
        foreach (var p in r.Points)
        {
            var summary = DemoSummary.Build(p.Result, withFolder: false);
            points.Add(new JsonObject
            {
                ["label"] = p.Point.Label,
                ["axis"] = p.Point.Axis,
                ["settings"] = new JsonArray(p.Point.Settings.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
                ["run_steps"] = p.RunSteps,
                ["summary"] = summary,
            });
        }
        var best = Best(r);
        return new JsonObject
        {
            ["format"] = "sift-study",
            ["version"] = 1,
            ["mode"] = r.Grid.Mode,
            ["axes"] = new JsonArray(r.Grid.Axes.Select(a => (JsonNode)new JsonObject { ["key"] = a.Key, ["values"] = new JsonArray(a.Values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()) }).ToArray()),
            ["best_speedup_tokens"] = best is null ? null : new JsonObject
            {
                ["label"] = best.Point.Label,
                ["speedup_tokens"] = DemoSummary.Round(best.Result.Verdict.SpeedupTokens.Mean),
                ["ci95_low"] = DemoSummary.Round(best.Result.Verdict.SpeedupTokens.Low),
                ["ci95_high"] = DemoSummary.Round(best.Result.Verdict.SpeedupTokens.High),
            },
            ["reached_2x_tokens"] = r.Points.Any(p => p.Result.Verdict.SpeedupTokens.Mean >= 2),
            ["reached_2x_tokens_lower_bound"] = r.Points.Any(p => p.Result.Verdict.SpeedupTokens.Low >= 2),
            ["wall_seconds"] = Math.Round(r.WallSeconds, 3),
            ["compute_seconds"] = Math.Round(r.ComputeSeconds, 3),
            ["points"] = points,
        };
    }

    /// <summary>The point with the largest mean tokens-processed speedup over its seeds, or null when SLM never reached CLM's loss.</summary>
    public static StudyPointResult? Best(StudyResult r) =>
        r.Points.Where(p => p.Result.Verdict.SpeedupTokens.N > 0).OrderByDescending(p => p.Result.Verdict.SpeedupTokens.Mean).FirstOrDefault();

    /// <summary>One line per point: each arm's final clean loss, then the baseline's and SLM's accuracy and SLM's speedups.</summary>
    public static string ConsoleTable(StudyResult r)
    {
        var arms = Arms(r);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{"point",-40}");
        arms.ForEach(a => sb.Append(CultureInfo.InvariantCulture, $" {Trim(a.Name, 7),7}"));
        sb.AppendLine(CultureInfo.InvariantCulture, $" {"acc " + Trim(ObjectiveRegistry.Clm.Name, 4),8} {"acc " + Trim(Slm, 4),8} {"slm−clm clean [95%]",26} {"x tokens [95%]",22} {"x selected",10}");
        foreach (var p in r.Points)
        {
            var d = p.Result;
            var v = d.Verdict;
            sb.Append(CultureInfo.InvariantCulture, $"{Trim(p.Point.Label, 40),-40}");
            arms.ForEach(a => sb.Append(CultureInfo.InvariantCulture, $" {DemoReport.F3(d.Arm(a.Name)?.CleanLoss ?? double.NaN),7}"));
            sb.AppendLine(CultureInfo.InvariantCulture, $" {DemoReport.Pct(d.Baseline.Accuracy),8} {DemoReport.Pct(d.Arm(Slm)?.Accuracy ?? double.NaN),8} {v.Metric("clean_loss").DiffText(Slm),26} {SpeedupText(v.SpeedupTokens),22} {SpeedupText(v.SpeedupSelected, interval: false),10}");
        }
        return sb.ToString();
    }

    /// <summary>study.md.</summary>
    public static string Markdown(StudyResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Sift study: where does selective language modeling pay off?");
        sb.AppendLine();
        var best = Best(r);
        bool twoX = r.Points.Any(p => p.Result.Verdict.SpeedupTokens.Mean >= 2);
        if (best is null)
        {
            sb.AppendLine("In no point did SLM reach CLM's final clean loss within the budget.");
        }
        else
        {
            var v = best.Result.Verdict;
            sb.Append(CultureInfo.InvariantCulture, $"Largest speedup in tokens processed: **{SpeedupText(v.SpeedupTokens)}** (mean of the seeds' speedups, 95% interval) at `{best.Point.Label}` (selected tokens: {SpeedupText(v.SpeedupSelected)}). ");
            sb.AppendLine(twoX ? "At least one point reaches 2x in tokens processed on average over its seeds." : "**No point reaches 2x in tokens processed.**");
        }
        sb.AppendLine();
        sb.AppendLine("Each point is a full demo (reference model, scoring, CLM / SLM / random students at an equal step budget, same initialisation and data order within a seed), run once per seed. " +
            "Clean losses and accuracies are means over the seeds; *SLM − CLM* is the per-seed paired difference (clean loss, answer loss: the tokens after `####`, accuracy), mean [95% Student-t interval]; *x tokens* is the mean of the seeds' own speedups [95% interval]. " +
            "Speedup = tokens CLM needed to reach its own final held-out clean loss ÷ tokens SLM needed to reach it (linear interpolation between evaluations); *x tokens* counts every token processed, *x selected* only tokens that received gradient. " +
            "*oracle* (when run) keeps the same share of tokens, clean-labelled ones first: a perfect filter, which separates what the noise costs CLM from how well excess loss finds it; *clean kept* = share of SLM's selected tokens that are clean kinds against the corpus's clean share.");
        sb.AppendLine();
        var arms = Arms(r);
        var others = arms.Where(a => a != ObjectiveRegistry.Clm).ToList();
        sb.Append("| point | clean share |");
        arms.ForEach(a => sb.Append(CultureInfo.InvariantCulture, $" clean loss {a.Name} |"));
        sb.Append(" reference |");
        arms.ForEach(a => sb.Append(CultureInfo.InvariantCulture, $" accuracy {a.Name} |"));
        others.ForEach(a => sb.Append(CultureInfo.InvariantCulture, $" {a.Name} x tokens |"));
        sb.AppendLine(CultureInfo.InvariantCulture, $" {Slm} x selected | {Slm} − {ObjectiveRegistry.Clm.Name} clean loss | {Slm} − {ObjectiveRegistry.Clm.Name} answer loss | {Slm} − {ObjectiveRegistry.Clm.Name} accuracy | seeds | clean kept ({Slm} / corpus) | FLOPs to target, {Slm}+ref ÷ {ObjectiveRegistry.Clm.Name} |");
        sb.AppendLine("|---|---:|" + string.Concat(Enumerable.Repeat("---:|", 2 * arms.Count + 1 + others.Count + 7)));
        foreach (var p in r.Points)
        {
            var d = p.Result;
            var f = d.FlopsToTarget();
            double cs = DemoSummary.CleanCorpusShare(d);
            sb.Append(CultureInfo.InvariantCulture, $"| {p.Point.Label}{(p.RunSteps != p.Point.Options.Steps ? $" (of {p.RunSteps})" : "")} | {DemoReport.Pct(cs)} |");
            arms.ForEach(a => sb.Append(CultureInfo.InvariantCulture, $" {DemoReport.F3(d.Arm(a.Name)?.CleanLoss ?? double.NaN)} |"));
            sb.Append(CultureInfo.InvariantCulture, $" {DemoReport.F3(d.Reference.CleanLoss)} |");
            arms.ForEach(a => sb.Append(CultureInfo.InvariantCulture, $" {DemoReport.Pct(d.Arm(a.Name)?.Accuracy ?? double.NaN)} |"));
            others.ForEach(a => sb.Append(CultureInfo.InvariantCulture, $" {(d.Arm(a.Name) is null ? "–" : SpeedupText(DemoVerdict.Of(d, a.Name).SpeedupTokens))} |"));
            var v = d.Verdict;
            sb.AppendLine(CultureInfo.InvariantCulture, $" {SpeedupText(v.SpeedupSelected)} | {v.Metric("clean_loss").DiffText(Slm)} | {v.Metric("answer_loss").DiffText(Slm)} | {v.Metric("accuracy").DiffText(Slm)} | {d.Runs.Count} | {DemoReport.Pct(d.Arm(Slm)?.CleanShareOfKept ?? double.NaN)} / {DemoReport.Pct(cs)} | {(f is { } ff ? (ff.SlmWithReference / ff.Clm).ToString("0.00", CultureInfo.InvariantCulture) : "–")} |");
        }
        sb.AppendLine();
        foreach (var axis in AxesWithPoints(r))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"## {axis.Key}");
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"![speedup against {axis.Key}]({ChartName(axis.Key)})");
            sb.AppendLine();
            sb.AppendLine(Trend(axis.Key, axis.Points));
            sb.AppendLine();
        }
        sb.AppendLine("## Cost");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{r.Points.Count} points; every stage the study needed took {r.ComputeSeconds / 60:0.0} min of wall time when it ran (cached stages count once, at the time of the run that made them); this invocation took {r.WallSeconds / 60:0.0} min.");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Reproduce: `{r.Command}`. Every point's options, curves and stage times are in `study.json`.");
        return sb.ToString();
    }

    private static string Trend(string key, IReadOnlyList<StudyPointResult> pts)
    {
        var parts = pts.Select(p =>
        {
            var v = p.Result.Verdict;
            return $"{Value(p, key)}: {SpeedupText(v.SpeedupTokens)} (selected {SpeedupText(v.SpeedupSelected, interval: false)}; {v.Conclusion})";
        });
        return "Speedup in tokens processed by value (mean of the seeds [95% interval]): " + string.Join("; ", parts) + ".";
    }

    private static IEnumerable<(string Key, IReadOnlyList<StudyPointResult> Points)> AxesWithPoints(StudyResult r) =>
        r.Grid.Axes.Select(a => (a.Key, (IReadOnlyList<StudyPointResult>)r.Points.Where(p => p.Point.Axis == a.Key).ToList())).Where(x => x.Item2.Count > 0);

    private static string ChartName(string axis) => "study-" + axis.Replace('.', '-') + ".svg";

    private static string Value(StudyPointResult p, string key) =>
        p.Point.Settings.FirstOrDefault(s => s.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..] ?? "?";

    private static string AxisChart(StudyResult r, string key, IReadOnlyList<StudyPointResult> pts)
    {
        bool numeric = pts.All(p => double.TryParse(Value(p, key), NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        double Xv(StudyPointResult p, int i) => numeric ? double.Parse(Value(p, key), CultureInfo.InvariantCulture) : i;
        double x0 = pts.Count > 0 ? pts.Select((p, i) => Xv(p, i)).Min() : 0, x1 = pts.Count > 0 ? pts.Select((p, i) => Xv(p, i)).Max() : 1;
        var series = new List<ChartSeries>();
        foreach (var a in Arms(r).Where(a => a != ObjectiveRegistry.Clm))
        {
            var verdicts = pts.Select(p => DemoVerdict.Of(p.Result, a.Name)).ToList();
            var band = verdicts.Select((v, i) => (Xv(pts[i], i), v.SpeedupTokens.Low, v.SpeedupTokens.High)).ToList();
            series.Add(new($"{a.Name}, tokens processed (95% band)", verdicts.Select((v, i) => (Xv(pts[i], i), v.SpeedupTokens.Mean)).ToList(),
                Band: band.All(b => double.IsFinite(b.Low) && double.IsFinite(b.High)) ? band : null, Color: a.Color));
            if (a.Name == Slm)
            {
                series.Add(new($"{a.Name}, selected tokens", verdicts.Select((v, i) => (Xv(pts[i], i), v.SpeedupSelected.Mean)).ToList(), Dashed: true, Color: a.Color));
            }
        }
        series.Add(new($"1x ({ObjectiveRegistry.Clm.Label})", [(x0, 1), (x1, 1)], Dashed: true, Color: "#999999"));
        series.Add(new("2x", [(x0, 2), (x1, 2)], Dashed: true, Color: "#bbbbbb"));
        return new SvgLineChart
        {
            Title = $"Speedup to CLM's final clean loss against {key}",
            XLabel = numeric ? key : $"{key} (" + string.Join(", ", pts.Select((p, i) => $"{i}: {Value(p, key)}")) + ")",
            YLabel = "speedup (x)",
            LegendWidth = 200,
        }.Render(series);
    }

    private static string Slm => DemoResult.Slm;

    // Every objective trained by some point, in registry order.
    private static List<ObjectiveSpec> Arms(StudyResult r) =>
        ObjectiveRegistry.All.Where(o => r.Points.Any(p => p.Result.Arm(o.Name) is not null)).ToList();

    /// <summary>"1.23x [1.10, 1.36]" (mean of the seeds' speedups and its 95% interval), "never", or with seeds that never reached it "1.1x (2 of 3 seeds)".</summary>
    public static string SpeedupText(SeedSpread s, bool interval = true)
    {
        if (s.N == 0)
        {
            return "never";
        }
        string text = s.Mean.ToString("0.00", CultureInfo.InvariantCulture) + "x";
        if (interval && s.N >= 2)
        {
            text += $" [{s.Low.ToString("0.00", CultureInfo.InvariantCulture)}, {s.High.ToString("0.00", CultureInfo.InvariantCulture)}]";
        }
        return s.Missing > 0 ? $"{text} ({s.N} of {s.Values.Count} seeds)" : text;
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
