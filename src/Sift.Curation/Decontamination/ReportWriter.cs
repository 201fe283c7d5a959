using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core.IO;

namespace Sift.Curation.Decontamination;

/// <summary>Writes a <see cref="DecontaminationReport"/> as JSON (everything) and markdown (for reading).</summary>
internal static class ReportWriter
{
    /// <summary>snake_case names, indented, non-ASCII text kept readable.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The report as a JSON tree.</summary>
    public static JsonNode ToJson(DecontaminationReport report) => JsonSerializer.SerializeToNode(report, Json)!;

    /// <summary>Writes <c>report.json</c> and <c>report.md</c> into <paramref name="folder"/> (atomically each); returns their paths.</summary>
    public static (string Json, string Markdown) Write(DecontaminationReport report, string folder, string? cleanCopy = null)
    {
        Directory.CreateDirectory(folder);
        string json = Path.Combine(folder, "report.json"), md = Path.Combine(folder, "report.md");
        AtomicFile.WriteAllText(json, JsonSerializer.Serialize(report, Json) + "\n");
        AtomicFile.WriteAllText(md, Markdown(report, cleanCopy));
        return (json, md);
    }

    /// <summary>A markdown summary: settings, a table per benchmark, and every flagged pair (texts cut to 300 characters).</summary>
    public static string Markdown(DecontaminationReport r, string? cleanCopy = null)
    {
        var ci = CultureInfo.InvariantCulture;
        var s = r.Settings;
        var sb = new StringBuilder();
        sb.AppendLine("# Decontamination report").AppendLine();
        sb.AppendLine(ci, $"Training file: `{r.Training.Path}` ({r.Training.Format}{(r.Training.Fields is { } f ? ", fields " + string.Join("+", f) : "")}): " +
            $"{r.Training.Items:N0} items, {r.Training.Tokens:N0} normalised tokens{(r.Training.SkippedLines > 0 ? $", {r.Training.SkippedLines} malformed lines skipped" : "")}.");
        sb.AppendLine();
        sb.AppendLine(FormattableString.Invariant($"Method: each benchmark item's {s.TopK} nearest training items by TF-IDF cosine ({s.Idf}); a pair is flagged when its ") +
            FormattableString.Invariant($"unigram Jaccard is above {s.UnigramThreshold}") +
            (s.NgramThreshold is { } t ? $" or its {s.NgramN}-gram Jaccard is above {t.ToString(ci)}" : "") +
            (s.RequireSameNumbers ? ", and the training item holds every number of the benchmark item" : "") +
            (s.UntilClean ? $". Flagged items were removed and the search repeated until nothing more was flagged ({r.Passes} passes{(r.Converged ? "" : ", stopped at the limit before that")})" : "") +
            $". Normalisation: {s.Normalisation}.");
        sb.AppendLine();
        sb.AppendLine(ci, $"| benchmark | items | flagged items | flagged pairs | max cosine | max unigram Jaccard | max {s.NgramN}-gram Jaccard |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var b in r.Benchmarks)
        {
            sb.AppendLine(b.Status == "missing"
                ? $"| {b.Name} | missing: {Cell(b.Reason ?? "", 120)} | | | | | |"
                : FormattableString.Invariant($"| {b.Name} | {b.Items:N0} | {b.FlaggedItems:N0} | {b.FlaggedPairs:N0} | {b.MaxCosine:0.000} | {b.MaxUnigramJaccard:0.000} | {b.MaxNgramJaccard:0.000} |"));
        }
        sb.AppendLine();
        sb.AppendLine(FormattableString.Invariant($"{r.FlaggedTrainingItems:N0} training items are in a flagged pair") +
            (cleanCopy is null ? "." : $"; the clean copy without them is `{cleanCopy}`."));
        sb.AppendLine(ci, $"Seconds: read {r.Timings.Read}, index {r.Timings.Index}, search {r.Timings.Search}, total {r.Timings.Total}.");
        if (r.Flagged.Count > 0)
        {
            sb.AppendLine().AppendLine("## Flagged pairs").AppendLine();
            sb.AppendLine(ci, $"| benchmark | idx | training item (line) | pass.rank | cosine | unigram J | {s.NgramN}-gram J | same numbers | benchmark text | training text |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|---|---|");
            foreach (var p in r.Flagged)
            {
                sb.AppendLine(FormattableString.Invariant($"| {p.Benchmark} | {p.Idx} | {p.TrainIndex} ({p.TrainLine}) | {p.Pass}.{p.Rank} | {p.Cosine:0.000} | {p.UnigramJaccard:0.000} | {p.NgramJaccard:0.000} | {(p.SameNumbers ? "yes" : "no")} | {Cell(p.Text, 300)} | {Cell(p.TrainText, 300)} |"));
            }
        }
        return sb.ToString();
    }

    // One table cell: newlines as spaces, pipes escaped, cut to `max` characters.
    private static string Cell(string text, int max)
    {
        string t = text.Replace("\r", "", StringComparison.Ordinal).Replace('\n', ' ').Replace("|", "\\|", StringComparison.Ordinal);
        return t.Length > max ? t[..max] + "…" : t;
    }
}
