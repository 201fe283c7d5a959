using System.Text;
using System.Text.Json.Nodes;
using Sift.Core.IO;

namespace Sift.Pipelines.Training;

/// <summary>Append-only metrics.jsonl: one JSON object per line, flushed as written, so a kill loses nothing logged.</summary>
public sealed class MetricsLog(string path)
{
    /// <summary>File path.</summary>
    public string Path { get; } = path;

    /// <summary>Appends one record and flushes it to disk.</summary>
    public void Append(JsonObject record)
    {
        using var fs = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var bytes = Encoding.UTF8.GetBytes(record.ToJsonString() + "\n");
        fs.Write(bytes);
        fs.Flush(flushToDisk: true);
    }

    /// <summary>Starts an empty log.</summary>
    public void Reset() => AtomicFile.WriteAllText(Path, "");

    /// <summary>Drops records after <paramref name="step"/> (they came after the checkpoint a resume starts from).</summary>
    public void TruncateAfter(long step)
    {
        if (!File.Exists(Path))
        {
            return;
        }
        var kept = File.ReadAllLines(Path).Where(l =>
        {
            if (string.IsNullOrWhiteSpace(l))
            {
                return false;
            }
            try
            {
                return JsonNode.Parse(l)?["step"]?.GetValue<long>() is long s && s <= step;
            }
            catch (System.Text.Json.JsonException)
            {
                return false; // a line torn by a kill
            }
        });
        AtomicFile.WriteAllText(Path, string.Concat(kept.Select(l => l + "\n")));
    }

    /// <summary>All complete records.</summary>
    public IReadOnlyList<JsonObject> ReadAll()
    {
        if (!File.Exists(Path))
        {
            return [];
        }
        var list = new List<JsonObject>();
        foreach (string l in File.ReadLines(Path))
        {
            try
            {
                if (JsonNode.Parse(l) is JsonObject o)
                {
                    list.Add(o);
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }
        return list;
    }
}
