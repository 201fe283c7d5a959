using System.Globalization;
using System.Text;
using System.Text.Json;
using Sift.Core.IO;
using Sift.Core.Reporting;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>The verifier demo's outputs: a console table, report.md, verifiers.svg and summary.json.</summary>
internal static class VerifierReport
{
    /// <summary>Writes report.md, verifiers.svg and summary.json into <paramref name="folder"/>.</summary>
    public static void WriteAll(VerifierSummary s, string folder)
    {
        AtomicFile.WriteAllText(Path.Combine(folder, "summary.json"), Json(s) + "\n");
        AtomicFile.WriteAllText(Path.Combine(folder, "verifiers.svg"), Chart(s));
        AtomicFile.WriteAllText(Path.Combine(folder, "report.md"), Markdown(s));
    }

    /// <summary>summary.json text.</summary>
    public static string Json(VerifierSummary s) => JsonSerializer.Serialize(s, VerifierJson.Indented.VerifierSummary);

    /// <summary>Reads a summary.json back.</summary>
    public static VerifierSummary Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), VerifierJson.Default.VerifierSummary) ?? throw new Core.SiftException($"{path}: empty summary");

    /// <summary>Accuracy (%) by N, one column per curve, mean ± sd over seeds.</summary>
    public static string Table(VerifierSummary s, bool markdown)
    {
        var sb = new StringBuilder();
        var cols = s.Curves;
        string[] head = ["N", .. cols.Select(c => c.Name)];
        var rows = cols[0].Points.Select((p, i) => (string[])[p.N.ToString(CultureInfo.InvariantCulture), .. cols.Select(c => Cell(c.Points[i]))]).ToList();
        if (markdown)
        {
            sb.Append("| ").Append(string.Join(" | ", head)).Append(" |\n|").Append(string.Concat(head.Select(_ => "---:|"))).Append('\n');
            foreach (var r in rows)
            {
                sb.Append("| ").Append(string.Join(" | ", r)).Append(" |\n");
            }
            return sb.ToString();
        }
        var widths = head.Select((h, j) => Math.Max(h.Length, rows.Max(r => r[j].Length))).ToArray();
        sb.Append(string.Join("  ", head.Select((h, j) => h.PadLeft(widths[j])))).Append('\n');
        foreach (var r in rows)
        {
            sb.Append(string.Join("  ", r.Select((v, j) => v.PadLeft(widths[j])))).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The verifiers' paired gains over majority@N (points, mean and 95% interval over seeds) by N.</summary>
    public static string GainTable(VerifierSummary s)
    {
        var cols = s.Curves.Where(c => c.MinusMajority is not null).ToList();
        if (cols.Count == 0)
        {
            return "";
        }
        var sb = new StringBuilder("| N | " + string.Join(" | ", cols.Select(c => c.Name + " − majority")) + " |\n|---:|" + string.Concat(cols.Select(_ => "---:|")) + "\n");
        for (int i = 0; i < cols[0].MinusMajority!.Count; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {cols[0].MinusMajority![i].N} | ");
            sb.Append(string.Join(" | ", cols.Select(c => Gain(c.MinusMajority![i])))).Append(" |\n");
        }
        return sb.ToString();
    }

    /// <summary>report.md.</summary>
    public static string Markdown(VerifierSummary s)
    {
        var sb = new StringBuilder();
        sb.Append("# Verifier demo: selecting one of N sampled solutions\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"`{s.Command}`\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Solver: the demo's reference model ({s.Solver}){(s.SolverGreedyAccuracy is double g ? $", greedy accuracy {g * 100:0.0}% on the held-out problems" : "")}. ");
        sb.Append(CultureInfo.InvariantCulture, $"{s.TestProblems} held-out {s.Tiers} problems × {s.Samples} samples at temperature {s.Temperature:0.##} for the curves; ");
        sb.Append(CultureInfo.InvariantCulture, $"the verifiers learn from {s.TrainProblems} other held-out problems × {s.TrainSamples} samples (outcome labels for the ORM, Monte-Carlo step labels with {s.Rollouts} rollouts per step for the PRM). ");
        sb.Append(CultureInfo.InvariantCulture, $"Seeds {string.Join(", ", s.Seeds)}: each redraws every sample, label and verifier; {s.Trials} random N-subsets per N and problem.\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Sampled accuracy per seed: {string.Join(", ", s.SampleAccuracy.Select(a => a.ToString("0.0", CultureInfo.InvariantCulture) + "%"))}.");
        if (s.PositiveStepShare.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" Steps labelled + (some rollout reaches the gold): {string.Join(", ", s.PositiveStepShare.Select(a => a.ToString("0.0", CultureInfo.InvariantCulture) + "%"))}.");
        }
        sb.Append("\n\n## Accuracy (%) against N, mean ± sd over seeds\n\n").Append(Table(s, markdown: true)).Append('\n');
        string gains = GainTable(s);
        if (gains.Length > 0)
        {
            sb.Append("## Gain over majority voting (points, paired by seed, mean [95% interval])\n\n").Append(gains).Append('\n');
        }
        if (s.VerifiersNote is not null)
        {
            sb.Append("**Verifiers:** ").Append(s.VerifiersNote).Append("\n\n");
        }
        sb.Append("## Reading\n\n");
        foreach (string line in s.Reading)
        {
            sb.Append("- ").Append(line).Append('\n');
        }
        sb.Append("\nExpected shape (RLHFlow's tables): reward-based selection above majority voting as N grows, below pass@N.\n\n");
        sb.Append("## Stages\n\n| stage | seconds | |\n|---|---:|---|\n");
        foreach (var st in s.Stages)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {st.Name} | {st.Seconds:0.0} | {(st.Cached ? "cached" : "")} |\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"\nWall time {ConsoleProgress.Fmt(TimeSpan.FromSeconds(s.WallSeconds))}, {s.Threads} threads, load average {Load(s.LoadStart)} at the start and {Load(s.LoadEnd)} at the end.\n");
        return sb.ToString();
    }

    /// <summary>Accuracy against N on a log2 axis, each curve the mean over seeds with a min–max band.</summary>
    public static string Chart(VerifierSummary s)
    {
        var palette = SvgLineChart.Colors;
        var series = s.Curves.Select((c, i) => new ChartSeries(c.Name, c.Points.Select(p => ((double)p.N, p.Mean)).ToList(),
            Dashed: c.Kind is "pass",
            Band: s.Seeds.Count > 1 ? c.Points.Select(p => ((double)p.N, p.PerSeed.Min(), p.PerSeed.Max())).ToList() : null,
            Color: palette[i % palette.Count])).ToList();
        string seeds = s.Seeds.Count > 1 ? $"{s.Seeds.Count} seeds, min–max band" : "one seed";
        return new SvgLineChart
        {
            Title = $"Selecting 1 of N solutions: {s.TestProblems} held-out problems ({seeds})",
            XLabel = "N (samples per problem, log2)",
            YLabel = "accuracy (%)",
            Width = 860,
            Height = 480,
            LegendWidth = 190,
            LogX2 = true,
            Tight = true,
        }.Render(series);
    }

    private static string Cell(CurvePointSummary p) =>
        p.Sd is double sd ? string.Create(CultureInfo.InvariantCulture, $"{p.Mean:0.0} ± {sd:0.0}") : p.Mean.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Gain(CurvePointSummary p) =>
        p.Low is double lo && p.High is double hi
            ? string.Create(CultureInfo.InvariantCulture, $"{p.Mean:+0.0;-0.0;0.0} [{lo:+0.0;-0.0;0.0}, {hi:+0.0;-0.0;0.0}]")
            : p.Mean.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);

    private static string Load(double? l) => l is double v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "–";
}
