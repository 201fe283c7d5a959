using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Data;
using Sift.Hub;

namespace Sift.Eval.Datasets;

/// <summary>A loaded benchmark: its definition, the file(s) it came from and its problems in file order.</summary>
internal sealed record LoadedDataset(DatasetDefinition Definition, string Path, IReadOnlyList<Problem> Problems, JsonlReport Report)
{
    /// <summary>Every file read, in order (one unless a Hub source publishes the benchmark in several files).</summary>
    public IReadOnlyList<string> Files { get; init; } = [Path];

    /// <summary>The sha256 of the file, or for several files the sha256 of their "sha256  name" lines.</summary>
    public string ContentSha256() => Files.Count == 1
        ? Hashing.Sha256File(Files[0])
        : Hashing.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(string.Concat(Files.Select(f => $"{Hashing.Sha256File(f)}  {System.IO.Path.GetFileName(f)}\n"))));
}

/// <summary>The files to read for a benchmark, where they came from, and the column renames of a Hub source.</summary>
internal sealed record DatasetFiles(IReadOnlyList<string> Paths, string Origin)
{
    /// <summary>Published column → field the definition reads.</summary>
    public IReadOnlyDictionary<string, string> Rename { get; init; } = new Dictionary<string, string>();
}

/// <summary>Reads a benchmark file through its <see cref="DatasetDefinition"/>.</summary>
internal static class DatasetLoader
{
    /// <summary>
    /// The file to read: <paramref name="data"/> when it is a file; when it is a folder, the dataset's usual place in
    /// it (the shared layout, or the harness's <c>data/&lt;name&gt;/test.jsonl</c>); with no <paramref name="data"/>,
    /// the dataset's default under the shared folder.
    /// </summary>
    public static string Resolve(DatasetDefinition def, string? data)
    {
        if (data is not null && File.Exists(data))
        {
            return Path.GetFullPath(data);
        }
        var roots = new List<string>();
        if (data is not null)
        {
            if (!Directory.Exists(data))
            {
                throw new SiftException($"{data}: no such file or folder");
            }
            roots.Add(data);
        }
        else if (SharedData.DataRoot() is { } shared)
        {
            roots.Add(shared);
        }
        var tried = new List<string>();
        foreach (string root in roots)
        {
            if (FindIn(def, root, tried) is { } found)
            {
                return found;
            }
        }
        throw new SiftException(data is null
            ? $"no data file for {def.Name}: give --data FILE (no shared data folder was found; set SIFT_SHARED or put it at ../shared)"
            : $"no data file for {def.Name} under {data} (tried {string.Join(", ", tried.Take(4))})");
    }

    /// <summary>
    /// Where a benchmark's data comes from, in order: <paramref name="data"/> when given (a file or a folder, as
    /// <see cref="Resolve"/>); else the local mirror (the shared data folder); else the Hub dataset repository the
    /// benchmark is published in, from the Hub cache or downloaded into it through <paramref name="hub"/>. When none
    /// has it the error names all three ways.
    /// </summary>
    public static DatasetFiles Locate(DatasetDefinition def, string? data, HubResolver? hub) => Locate(def, data, hub, SharedData.DataRoot());

    /// <summary><see cref="Locate(DatasetDefinition, string?, HubResolver?)"/> with the mirror folder given (tests).</summary>
    internal static DatasetFiles Locate(DatasetDefinition def, string? data, HubResolver? hub, string? shared)
    {
        if (data is not null)
        {
            return new DatasetFiles([Resolve(def, data)], "--data");
        }
        if (shared is not null && Directory.Exists(shared) && FindIn(def, shared, []) is { } mirrored)
        {
            return new DatasetFiles([mirrored], "local mirror " + shared);
        }
        string hubWhy;
        if (def.Hub is not { } src)
        {
            hubWhy = def.NoHubReason ?? "no Hub source is known";
        }
        else if (hub is null)
        {
            hubWhy = $"{src.Repo} was not consulted";
        }
        else
        {
            var repo = new HubRepo(HubRepoType.Dataset, src.Repo, src.RevisionOrMain);
            try
            {
                return new DatasetFiles(hub.ResolveDatasetFiles(repo, src.Files, src.Sha256), $"hub {repo}") { Rename = src.Rename };
            }
            catch (HubException ex)
            {
                hubWhy = ex.Message;
            }
        }
        throw new SiftException($"no data file for {def.Name}: (1) give --data FILE (or a folder in the harness layout); " +
            $"(2) the local mirror: {(shared is null ? "no shared data folder was found (set SIFT_SHARED or put it at ../shared)" : $"{shared} has no {def.Name} file")}; " +
            $"(3) the Hugging Face Hub: {hubWhy}");
    }

    // The dataset's usual file under a data folder (shared layout, harness layout, or <name>/test.{jsonl,parquet}).
    private static string? FindIn(DatasetDefinition def, string root, List<string> tried)
    {
        var candidates = def.DefaultFiles
            .Concat(def.Names.SelectMany(n => new[] { System.IO.Path.Combine(n, "test.jsonl"), System.IO.Path.Combine(n, "test.parquet") }))
            .Append("test.jsonl").Append("test.parquet");
        foreach (string rel in candidates)
        {
            string p = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, rel));
            if (File.Exists(p))
            {
                return p;
            }
            tried.Add(p);
        }
        return null;
    }

    /// <summary>Loads every record; a record missing a field is a bad line (file:line, aborted or skipped by policy).</summary>
    public static LoadedDataset Load(DatasetDefinition def, string path, BadLinePolicy policy = BadLinePolicy.Abort, Action<string>? warn = null) =>
        Load(def, new DatasetFiles([path], path), policy, warn);

    /// <summary>Loads the records of every file in order (JSONL or Parquet), renaming Hub columns first; idx counts on across files.</summary>
    public static LoadedDataset Load(DatasetDefinition def, DatasetFiles files, BadLinePolicy policy = BadLinePolicy.Abort, Action<string>? warn = null)
    {
        var report = new JsonlReport();
        var problems = new List<Problem>();
        var seen = new HashSet<int>();
        int position = 0;
        foreach (var (path, line, raw) in Records(files, policy, report, warn))
        {
            var o = Renamed(raw, files.Rename);
            int idx = position++;
            Problem p;
            try
            {
                if (o.TryGetPropertyValue("idx", out var idxNode) && idxNode is not null)
                {
                    idx = idxNode.GetValue<int>();
                }
                p = Build(def, o, idx, line);
            }
            catch (Exception ex) when (ex is SiftException or InvalidOperationException or FormatException)
            {
                report.Records--;
                // A Parquet row has no line to look at: name the columns it does have.
                string why = ParquetRows.IsParquet(path) ? $"{ex.Message} (columns present: {string.Join(", ", raw.Select(kv => kv.Key))})" : ex.Message;
                JsonlReader.Fail(path, line, why, policy, report, warn);
                continue;
            }
            if (!seen.Add(p.Idx))
            {
                // The harness de-duplicates by idx keeping the last copy; two records with one idx is a broken file.
                report.Records--;
                JsonlReader.Fail(path, line, $"duplicate idx {p.Idx}", policy, report, warn);
                continue;
            }
            problems.Add(p);
        }
        string where = string.Join(" + ", files.Paths);
        if (problems.Count == 0)
        {
            throw new SiftException($"{where}: no {def.Name} records");
        }
        return new LoadedDataset(def, where, problems, report) { Files = files.Paths };
    }

    private static IEnumerable<(string Path, int Line, JsonObject Record)> Records(DatasetFiles files, BadLinePolicy policy, JsonlReport report, Action<string>? warn)
    {
        foreach (string path in files.Paths)
        {
            if (ParquetRows.IsParquet(path))
            {
                foreach (var (row, o) in ParquetRows.ReadRecords(path))
                {
                    report.Records++;
                    yield return (path, (int)row, o);
                }
                continue;
            }
            foreach (var (line, o) in JsonlReader.Read(path, policy, report, warn))
            {
                yield return (path, line, o);
            }
        }
    }

    private static JsonObject Renamed(JsonObject o, IReadOnlyDictionary<string, string> rename)
    {
        if (rename.Count == 0)
        {
            return o;
        }
        var r = new JsonObject();
        foreach (var (key, value) in o)
        {
            r[rename.GetValueOrDefault(key, key)] = value?.DeepClone();
        }
        return r;
    }

    /// <summary>One record → problem (question suffixes and the final strip as in <c>parse_question</c>).</summary>
    public static Problem Build(DatasetDefinition def, System.Text.Json.Nodes.JsonObject o, int idx, int line)
    {
        string question = def.Question(o);
        string compat = def.CompatGold(o);
        // parse_question appends these after its own parse_ground_truth (which strips once more; same words).
        string lower = compat.ToLowerInvariant();
        if (lower is "true" or "false")
        {
            question += " (True or False)";
        }
        if (lower is "yes" or "no")
        {
            question += " (Yes or No)";
        }
        return new Problem
        {
            Idx = idx,
            Question = Py.Strip(question),
            Gold = def.Gold(o),
            CompatGold = compat,
            Subject = def.Subject?.Invoke(o),
            Level = def.Level?.Invoke(o),
            Line = line,
        };
    }
}
