using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;

namespace Sift.Pipelines.Demo;

/// <summary>What a stage reports once it has run (or was found finished).</summary>
/// <param name="Name">Stage name ("synth", "reference", "score", "clm", ...).</param>
/// <param name="Folder">Where its outputs are.</param>
/// <param name="Key">Hash of everything the outputs depend on.</param>
/// <param name="Seconds">Wall time of the stage when it ran.</param>
/// <param name="Cached">True when this invocation found it finished and skipped it.</param>
/// <param name="Result">The stage's own summary (paths, counts, losses, FLOPs).</param>
public sealed record StageRecord(string Name, string Folder, string Key, double Seconds, bool Cached, JsonObject Result);

/// <summary>
/// Runs pipeline stages so that a rerun skips what is finished. Each stage owns a folder with a
/// <c>stage.json</c> holding its key: the SHA-256 of a canonical description of its inputs (options and the
/// keys of the stages it reads). A finished stage with the same key is skipped; a different key means an
/// option it depends on changed, so the folder is deleted and the stage runs again; an unfinished stage with
/// the same key is resumed (training and scoring continue from their last checkpoint or part record).
/// </summary>
public sealed class StageStore(IProgressReporter? progress = null)
{
    /// <summary>File holding a stage's key and state.</summary>
    public const string StageFile = "stage.json";

    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Bump when a change in the code makes earlier stage outputs invalid.</summary>
    public const int CodeVersion = 1;

    /// <summary>The key of a stage: SHA-256 of its name, the code version and its canonical inputs.</summary>
    public static string KeyOf(string name, JsonNode inputs) =>
        Hashing.Sha256Hex(Encoding.UTF8.GetBytes($"{name}|v{CodeVersion}|{Canonical(inputs)}"));

    /// <summary>JSON with object keys sorted, so equal inputs always hash alike.</summary>
    public static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => JsonSerializer.Serialize(kv.Key) + ":" + Canonical(kv.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        _ => node.ToJsonString(),
    };

    /// <summary>The finished record of the stage in <paramref name="folder"/> when its key is <paramref name="key"/>; else null.</summary>
    public static StageRecord? TryFinished(string name, string folder, string key)
    {
        var state = Read(folder);
        if (state is null || state["key"]?.GetValue<string>() != key || state["complete"]?.GetValue<bool>() != true)
        {
            return null;
        }
        return new StageRecord(name, folder, key, state["seconds"]?.GetValue<double>() ?? 0, true, state["result"] as JsonObject ?? []);
    }

    /// <summary>
    /// Runs <paramref name="body"/> in <paramref name="folder"/> unless a finished stage with this key is there.
    /// The body gets the folder and whether earlier partial work with the same key may be resumed, and returns its summary.
    /// </summary>
    public StageRecord Run(string name, string folder, JsonNode inputs, Func<string, bool, JsonObject> body)
    {
        folder = Path.GetFullPath(folder);
        string key = KeyOf(name, inputs);
        if (TryFinished(name, folder, key) is StageRecord done)
        {
            _progress.Line($"{name}: finished earlier, skipped ({folder})");
            return done;
        }
        var state = Read(folder);
        bool resume = state is not null && state["key"]?.GetValue<string>() == key;
        if (!resume && Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            if (state is null && !LooksLikeStage(folder))
            {
                throw new SiftException($"{folder}: exists and was not made by this pipeline (no {StageFile}); choose another --out folder or remove it");
            }
            _progress.Line($"{name}: inputs changed since the last run; redoing it");
            Directory.Delete(folder, recursive: true);
        }
        Directory.CreateDirectory(folder);
        Write(folder, new JsonObject { ["name"] = name, ["key"] = key, ["complete"] = false, ["inputs"] = inputs.DeepClone() });
        var sw = Stopwatch.StartNew();
        var result = body(folder, resume);
        double seconds = Math.Round(sw.Elapsed.TotalSeconds, 3);
        Write(folder, new JsonObject
        {
            ["name"] = name,
            ["key"] = key,
            ["complete"] = true,
            ["seconds"] = seconds,
            ["inputs"] = inputs.DeepClone(),
            ["result"] = result.DeepClone(),
        });
        return new StageRecord(name, folder, key, seconds, false, result);
    }

    private static bool LooksLikeStage(string folder) => File.Exists(Path.Combine(folder, StageFile));

    private static JsonObject? Read(string folder)
    {
        string path = Path.Combine(folder, StageFile);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (JsonException)
        {
            return null; // torn by a kill before the atomic rename existed: treat as unknown and redo
        }
    }

    private static void Write(string folder, JsonObject state) =>
        AtomicFile.WriteAllText(Path.Combine(folder, StageFile), state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
