using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;

namespace Sift.Core.IO;

/// <summary>
/// The settings of a resumable output, kept beside it (<c>OUTPUT.run.json</c>): a rerun with other settings would mix
/// two kinds of result in one file, so it is refused with the keys that differ.
/// </summary>
public static class RunSettingsFile
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The settings file of an output.</summary>
    public static string PathFor(string output) => output + ".run.json";

    /// <summary>
    /// Records <paramref name="settings"/> for a fresh output (<paramref name="resuming"/> false), or checks them against
    /// the recorded ones; values are compared as JSON text.
    /// </summary>
    public static void CheckOrWrite(string output, IReadOnlyDictionary<string, string?> settings, bool resuming)
    {
        string path = PathFor(output);
        var now = new JsonObject();
        foreach (var (k, v) in settings)
        {
            now[k] = v;
        }
        if (resuming && File.Exists(path))
        {
            JsonObject before;
            try
            {
                before = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new SiftException($"{path}: expected a JSON object");
            }
            catch (JsonException ex)
            {
                throw new SiftException($"{path}: invalid JSON ({ex.Message}); delete it and {output} to start again");
            }
            var diffs = settings.Keys.Union(before.Select(p => p.Key))
                .Where(k => (before[k]?.ToJsonString() ?? "null") != (now[k]?.ToJsonString() ?? "null"))
                .Select(k => $"{k}: {before[k]?.ToJsonString() ?? "null"} then, {now[k]?.ToJsonString() ?? "null"} now").ToList();
            if (diffs.Count > 0)
            {
                throw new SiftException($"{output} was started with other settings ({string.Join("; ", diffs)}); use another --output, or delete it to start again");
            }
            return;
        }
        AtomicFile.WriteAllText(path, now.ToJsonString(Indented) + "\n");
    }
}
