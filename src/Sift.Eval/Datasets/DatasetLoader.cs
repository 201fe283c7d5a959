using Sift.Core;

namespace Sift.Eval.Datasets;

/// <summary>A loaded benchmark: its definition, the file it came from and its problems in file order.</summary>
public sealed record LoadedDataset(DatasetDefinition Definition, string Path, IReadOnlyList<Problem> Problems, JsonlReport Report);

/// <summary>Reads a benchmark file through its <see cref="DatasetDefinition"/>.</summary>
public static class DatasetLoader
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
            var candidates = def.DefaultFiles.Concat(def.Names.Select(n => System.IO.Path.Combine(n, "test.jsonl"))).Append("test.jsonl");
            foreach (string rel in candidates)
            {
                string p = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, rel));
                if (File.Exists(p))
                {
                    return p;
                }
                tried.Add(p);
            }
        }
        throw new SiftException(data is null
            ? $"no data file for {def.Name}: give --data FILE (no shared data folder was found; set SIFT_SHARED or put it at ../shared)"
            : $"no data file for {def.Name} under {data} (tried {string.Join(", ", tried.Take(4))})");
    }

    /// <summary>Loads every record; a record missing a field is a bad line (file:line, aborted or skipped by policy).</summary>
    public static LoadedDataset Load(DatasetDefinition def, string path, BadLinePolicy policy = BadLinePolicy.Abort, Action<string>? warn = null)
    {
        var report = new JsonlReport();
        var problems = new List<Problem>();
        var seen = new HashSet<int>();
        int position = 0;
        foreach (var (line, o) in JsonlReader.Read(path, policy, report, warn))
        {
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
                JsonlReader.Fail(path, line, ex.Message, policy, report, warn);
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
        if (problems.Count == 0)
        {
            throw new SiftException($"{path}: no {def.Name} records");
        }
        return new LoadedDataset(def, path, problems, report);
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
