using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
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
internal abstract record StageRecord(string Name, string Folder, string Key, double Seconds, bool Cached)
{
    /// <summary>The stage's result.</summary>
    public abstract IStageResult Output { get; }
}

/// <summary>A stage with its typed result.</summary>
/// <typeparam name="TResult">The result record.</typeparam>
internal sealed record StageRecord<TResult>(string Name, string Folder, string Key, double Seconds, bool Cached, TResult Result)
    : StageRecord(Name, Folder, Key, Seconds, Cached) where TResult : IStageResult
{
    /// <inheritdoc />
    public override IStageResult Output => Result;
}

/// <summary>What every stage result tells the reports.</summary>
internal interface IStageResult
{
    /// <summary>FLOPs the stage spent, when it counts them.</summary>
    double? Flops { get; }
}

/// <summary>The stage.json of a stage folder.</summary>
internal sealed record StageState
{
    /// <summary>Stage name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>Key of its inputs.</summary>
    [JsonPropertyName("key")]
    public string Key { get; init; } = "";

    /// <summary>True once the stage finished.</summary>
    [JsonPropertyName("complete")]
    public bool Complete { get; init; }

    /// <summary>Wall time when it ran.</summary>
    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    /// <summary>The inputs the key was computed from (for people reading the folder).</summary>
    [JsonPropertyName("inputs")]
    public JsonElement? Inputs { get; init; }

    /// <summary>The result, as the stage's result type.</summary>
    [JsonPropertyName("result")]
    public JsonElement? Result { get; init; }
}

/// <summary>
/// Runs pipeline stages so that a rerun skips what is finished. Each stage owns a folder with a
/// <c>stage.json</c> holding its key: the SHA-256 of a canonical description of its inputs (options and the
/// keys of the stages it reads). A finished stage with the same key is skipped; a different key means an
/// option it depends on changed, so the folder is deleted and the stage runs again; an unfinished stage with
/// the same key is resumed (training and scoring continue from their last checkpoint or part record).
/// Inputs and results are typed records, serialized with source-generated JSON. A running stage holds a lock file
/// beside its folder, so a second process reaching the same stage stops with a clear error instead of corrupting it.
/// </summary>
internal sealed class StageStore(IProgressReporter? progress = null)
{
    /// <summary>File holding a stage's key and state.</summary>
    public const string StageFile = "stage.json";

    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Bump when a change in the code makes earlier stage outputs invalid.</summary>
    public const int CodeVersion = 2;

    /// <summary>The key of a stage: SHA-256 of its name, the code version and its canonical inputs.</summary>
    public static string KeyOf(string name, JsonNode? inputs) =>
        Hashing.Sha256Hex(Encoding.UTF8.GetBytes($"{name}|v{CodeVersion}|{Canonical(inputs)}"));

    /// <summary>The key of typed inputs.</summary>
    public static string KeyOf<TInputs>(string name, TInputs inputs, JsonTypeInfo<TInputs> info) =>
        KeyOf(name, JsonSerializer.SerializeToNode(inputs, info));

    /// <summary>JSON with object keys sorted, so equal inputs always hash alike.</summary>
    public static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => JsonSerializer.Serialize(kv.Key) + ":" + Canonical(kv.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        _ => node.ToJsonString(),
    };

    /// <summary>The finished record of the stage in <paramref name="folder"/> when its key is <paramref name="key"/>; else null.</summary>
    public static StageRecord<TResult>? TryFinished<TResult>(string name, string folder, string key, JsonTypeInfo<TResult> resultInfo) where TResult : IStageResult
    {
        var state = Read(folder);
        if (state is null || state.Key != key || !state.Complete || state.Result is not JsonElement result)
        {
            return null;
        }
        try
        {
            var r = result.Deserialize(resultInfo);
            return r is null ? null : new StageRecord<TResult>(name, folder, key, state.Seconds, true, r);
        }
        catch (JsonException)
        {
            return null; // a result of another shape (older code): redo the stage
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> in <paramref name="folder"/> unless a finished stage with this key is there.
    /// The body gets the folder and whether earlier partial work with the same key may be resumed, and returns its result.
    /// </summary>
    public StageRecord<TResult> Run<TInputs, TResult>(string name, string folder, TInputs inputs, JsonTypeInfo<TInputs> inputInfo, JsonTypeInfo<TResult> resultInfo,
        Func<string, bool, TResult> body) where TResult : IStageResult
    {
        folder = Path.GetFullPath(folder);
        var inputNode = JsonSerializer.SerializeToElement(inputs, inputInfo);
        string key = KeyOf(name, JsonSerializer.SerializeToNode(inputs, inputInfo));
        if (TryFinished(name, folder, key, resultInfo) is { } done)
        {
            _progress.Line($"{name}: finished earlier, skipped ({folder})");
            return done;
        }
        // Beside the folder, not in it: a stage whose inputs changed deletes its folder.
        using var held = FileLock.Acquire(folder + ".lock", $"stage '{name}' ({folder})");
        if (TryFinished(name, folder, key, resultInfo) is { } finishedMeanwhile)
        {
            return finishedMeanwhile;
        }
        var state = Read(folder);
        bool resume = state is not null && state.Key == key;
        if (!resume && Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            if (state is null && !File.Exists(Path.Combine(folder, StageFile)))
            {
                throw new SiftException($"{folder}: exists and was not made by this pipeline (no {StageFile}); choose another --out folder or remove it");
            }
            _progress.Line($"{name}: inputs changed since the last run; redoing it");
            Directory.Delete(folder, recursive: true);
        }
        Directory.CreateDirectory(folder);
        Write(folder, new StageState { Name = name, Key = key, Complete = false, Inputs = inputNode });
        var sw = Stopwatch.StartNew();
        var result = body(folder, resume);
        double seconds = Math.Round(sw.Elapsed.TotalSeconds, 3);
        Write(folder, new StageState { Name = name, Key = key, Complete = true, Seconds = seconds, Inputs = inputNode, Result = JsonSerializer.SerializeToElement(result, resultInfo) });
        return new StageRecord<TResult>(name, folder, key, seconds, false, result);
    }

    private static StageState? Read(string folder)
    {
        string path = Path.Combine(folder, StageFile);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), PipelinesJson.Default.StageState);
        }
        catch (JsonException)
        {
            return null; // torn by a kill before the atomic rename existed: treat as unknown and redo
        }
    }

    private static void Write(string folder, StageState state) =>
        AtomicFile.WriteAllText(Path.Combine(folder, StageFile), JsonSerializer.Serialize(state, PipelinesJson.Indented.StageState) + "\n");
}
