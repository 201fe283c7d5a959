using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;

namespace Sift.Rewards.Scoring;

/// <summary>
/// One input line of <c>sift rm score</c>: any JSON object with a <c>question</c> and a <c>completion</c> string (the
/// samples.jsonl of <c>sift eval</c> has both on every line). The object is kept to be written back with the scores.
/// </summary>
/// <param name="Line">1-based line number in the file.</param>
/// <param name="Json">The whole object, or null when the line is not one.</param>
/// <param name="Question">The question.</param>
/// <param name="Completion">The solution to score.</param>
/// <param name="Error">Why the line cannot be scored ("field \"question\": …"), or null.</param>
internal sealed record RmInputLine(int Line, JsonObject? Json, string Question, string Completion, string? Error)
{
    /// <summary>Reads every non-blank line of a file, in order.</summary>
    public static IEnumerable<RmInputLine> ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: input file not found");
        }
        int n = 0;
        foreach (string text in File.ReadLines(path))
        {
            n++;
            if (!string.IsNullOrWhiteSpace(text))
            {
                yield return Parse(n, text);
            }
        }
    }

    /// <summary>Parses one line; a line that is not usable gets <see cref="Error"/>, never an exception.</summary>
    public static RmInputLine Parse(int line, string text)
    {
        JsonObject? o;
        try
        {
            o = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException ex)
        {
            return new RmInputLine(line, null, "", "", "invalid JSON: " + ex.Message);
        }
        if (o is null)
        {
            return new RmInputLine(line, null, "", "", "expected a JSON object with \"question\" and \"completion\"");
        }
        string? q = Str(o, "question"), c = Str(o, "completion");
        string? error = q is null ? Missing(o, "question") : c is null ? Missing(o, "completion") : null;
        return new RmInputLine(line, o, q ?? "", c ?? "", error);
    }

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static string Missing(JsonObject o, string key) => o.ContainsKey(key)
        ? $"field \"{key}\": expected a string, got {o[key]?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}"
        : $"field \"{key}\": missing (expected a string)";
}
