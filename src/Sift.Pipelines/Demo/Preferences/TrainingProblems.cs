using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Demo.Preferences;

/// <summary>
/// The built-in corpus's training problems as problem records: the clean corpus (<c>clean/train.jsonl</c>) holds each
/// word problem as one document "question\nsolution" with the solution ending in "#### answer"; this splits them back
/// into the held-out set's fields, so fine-tuning data, self-training problems and the decontamination check all read
/// the same layout as <c>eval.jsonl</c>.
/// </summary>
internal static class TrainingProblems
{
    /// <summary>The problem documents of a clean-corpus JSONL file, in file order (math prose is skipped).</summary>
    public static List<HeldOutProblem> FromCleanCorpus(string path)
    {
        var list = new List<HeldOutProblem>();
        int n = 0;
        foreach (string line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            JsonObject o;
            try
            {
                o = JsonNode.Parse(line) as JsonObject ?? throw new SiftException($"{path}:{n}: expected a JSON object");
            }
            catch (JsonException ex)
            {
                throw new SiftException($"{path}:{n}: invalid JSON: {ex.Message}");
            }
            if (Str(o, "kind") != "problem")
            {
                continue;
            }
            string text = Str(o, "text") ?? throw new SiftException($"{path}:{n}: a problem without a string \"text\"");
            int nl = text.IndexOf('\n', StringComparison.Ordinal);
            int hash = text.LastIndexOf("####", StringComparison.Ordinal);
            if (nl <= 0 || hash < nl)
            {
                throw new SiftException($"{path}:{n}: expected \"question\\nsolution\" with the solution ending in \"#### answer\"");
            }
            list.Add(new HeldOutProblem(text[..nl], text[(nl + 1)..], text[(hash + 4)..].Trim(), Str(o, "tier") ?? "all"));
        }
        return list;
    }

    /// <summary>Writes problems as the held-out set's JSONL ({question, solution, answer, tier}).</summary>
    public static void Write(IEnumerable<HeldOutProblem> problems, string path)
    {
        var sb = new StringBuilder();
        foreach (var p in problems)
        {
            sb.Append(new JsonObject { ["question"] = p.Question, ["solution"] = p.Solution, ["answer"] = p.Answer, ["tier"] = p.Tier }.ToJsonString()).Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>Writes answer-only SFT examples ({prompt: question + "\n", completion: solution}), the layout the held-out probe decodes from.</summary>
    public static void WriteSft(IEnumerable<HeldOutProblem> problems, string path)
    {
        var sb = new StringBuilder();
        foreach (var p in problems)
        {
            sb.Append(new JsonObject { ["prompt"] = p.Question + "\n", ["completion"] = p.Solution }.ToJsonString()).Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    private static string? Str(JsonObject o, string field) => o[field] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
