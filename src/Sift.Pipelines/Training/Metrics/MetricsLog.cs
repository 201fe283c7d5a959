using System.Text;
using System.Text.Json;
using Sift.Core.IO;

namespace Sift.Pipelines.Training.Metrics;

/// <summary>Append-only metrics.jsonl: one <see cref="MetricsLine"/> per line, flushed as written, so a kill loses nothing logged.</summary>
internal sealed class MetricsLog(string path)
{
    /// <summary>File path.</summary>
    public string Path { get; } = path;

    /// <summary>Appends one record and flushes it to disk.</summary>
    public void Append(MetricsLine line)
    {
        using var fs = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        fs.Write(Encoding.UTF8.GetBytes(Serialize(line) + "\n"));
        fs.Flush(flushToDisk: true);
    }

    /// <summary>One line's JSON.</summary>
    public static string Serialize(MetricsLine line) => JsonSerializer.Serialize(line, PipelinesJson.Default.MetricsLine);

    /// <summary>Starts an empty log.</summary>
    public void Reset() => AtomicFile.WriteAllText(Path, "");

    /// <summary>Drops records after <paramref name="step"/> (they came after the checkpoint a resume starts from) and lines torn by a kill.</summary>
    public void TruncateAfter(long step)
    {
        if (!File.Exists(Path))
        {
            return;
        }
        var kept = File.ReadAllLines(Path).Where(l => TryParse(l) is MetricsLine m && m.Step <= step);
        AtomicFile.WriteAllText(Path, string.Concat(kept.Select(l => l + "\n")));
    }

    /// <summary>All complete records (a line torn by a kill is skipped).</summary>
    public IReadOnlyList<MetricsLine> ReadAll() => Read(Path);

    /// <summary>All complete records of a metrics file; none when it does not exist.</summary>
    public static IReadOnlyList<MetricsLine> Read(string path) =>
        File.Exists(path) ? File.ReadLines(path).Select(TryParse).OfType<MetricsLine>().ToList() : [];

    /// <summary>A line's record, or null when it is blank or not a complete JSON object.</summary>
    public static MetricsLine? TryParse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(line, PipelinesJson.Default.MetricsLine);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A metric value as written: rounded to 6 decimals (non-finite values are kept, and written as "NaN"/"Infinity").</summary>
    public static double Round(double v) => double.IsFinite(v) ? Math.Round(v, 6) : v;
}
