using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;

namespace Sift.Eval.Datasets;

/// <summary>What to do with a line that is not a valid record.</summary>
internal enum BadLinePolicy
{
    /// <summary>Stop with an error naming the file and line.</summary>
    Abort,

    /// <summary>Report the line (file:line and why), skip it and count it.</summary>
    Skip,
}

/// <summary>Counts from reading one JSONL file; skipped lines are reported, never silently dropped.</summary>
internal sealed class JsonlReport
{
    private readonly List<string> _problems = [];

    /// <summary>Records read successfully.</summary>
    public int Records { get; internal set; }

    /// <summary>Lines skipped as malformed.</summary>
    public int Skipped { get; internal set; }

    /// <summary>The first messages about skipped lines ("file:line: why"), at most 20.</summary>
    public IReadOnlyList<string> Problems => _problems;

    internal void AddProblem(string message)
    {
        Skipped++;
        if (_problems.Count < 20)
        {
            _problems.Add(message);
        }
    }
}

/// <summary>Reads JSON-object-per-line files with exact file:line error reporting.</summary>
internal static class JsonlReader
{
    /// <summary>
    /// Yields (line number, object) for every non-blank line. A line that is not a JSON object aborts with
    /// <see cref="SiftException"/> or is skipped and counted, by <paramref name="policy"/>; <paramref name="warn"/>
    /// hears about each skipped line.
    /// </summary>
    public static IEnumerable<(int Line, JsonObject Record)> Read(string path, BadLinePolicy policy, JsonlReport report, Action<string>? warn = null)
    {
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: file not found");
        }
        int n = 0;
        foreach (string line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            JsonObject? o = null;
            string? why = null;
            try
            {
                o = JsonNode.Parse(line) as JsonObject;
                if (o is null)
                {
                    why = "expected a JSON object";
                }
            }
            catch (JsonException ex)
            {
                why = "invalid JSON: " + ex.Message;
            }
            if (o is null)
            {
                Fail(path, n, why!, policy, report, warn);
                continue;
            }
            report.Records++;
            yield return (n, o);
        }
    }

    /// <summary>Applies the policy to a bad line or record: throws on Abort, reports and counts on Skip.</summary>
    public static void Fail(string path, int line, string why, BadLinePolicy policy, JsonlReport report, Action<string>? warn)
    {
        string message = $"{path}:{line}: {why}";
        if (policy == BadLinePolicy.Abort)
        {
            throw new SiftException(message + " (use --bad-lines skip to skip such lines)");
        }
        report.AddProblem(message);
        warn?.Invoke("skipped " + message);
    }
}
