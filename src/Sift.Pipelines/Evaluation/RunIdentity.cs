using System.Globalization;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.Pipelines.Evaluation;

/// <summary>
/// <c>run.json</c>: the settings that determine a run's completions. Resuming with different settings would mix two
/// experiments in one samples file, so it is refused; the sample count and the problem limit may grow (or shrink).
/// </summary>
internal static class RunIdentity
{
    /// <summary>The identity of a run.</summary>
    public static JsonObject Of(EvalRunOptions o, string backend)
    {
        var id = new JsonObject
        {
            ["dataset"] = o.Dataset.Definition.Name,
            ["data_file"] = o.Dataset.Path,
            ["data_sha256"] = o.Dataset.ContentSha256(),
            ["prompt"] = o.Prompts.Kind.ToString().ToLowerInvariant(),
            ["few_shot"] = o.Prompts.FewShot,
            ["few_shot_sha256"] = o.Prompts.FewShotSha256,
            ["chat_template"] = o.Prompts.Kind == Sift.Eval.Prompts.PromptKind.Chat ? o.Prompts.Chat.Name : null,
            ["model"] = backend,
            ["temperature"] = Sift.Eval.Reporting.EvalJson.Setting(o.Temperature),
            ["top_p"] = Sift.Eval.Reporting.EvalJson.Setting(o.TopP),
            ["top_k"] = o.TopK,
            ["max_tokens"] = o.MaxTokens,
            ["seed"] = o.Seed,
            ["max_rounds"] = o.Prompts.Kind == Sift.Eval.Prompts.PromptKind.Tool ? o.MaxRounds : null,
        };
        return id;
    }

    /// <summary>Checks an existing run.json against this run's identity (throws naming every difference), then writes it.</summary>
    public static void CheckAndWrite(string outDir, JsonObject identity, int samples, int problems)
    {
        string path = Path.Combine(outDir, "run.json");
        if (File.Exists(path))
        {
            JsonObject old;
            try
            {
                old = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new SiftException($"{path}: expected a JSON object");
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new SiftException($"{path}: invalid JSON: {ex.Message}");
            }
            var diffs = identity.Where(kv => !JsonNode.DeepEquals(kv.Value, old[kv.Key]))
                .Select(kv => $"{kv.Key}: {Show(old[kv.Key])} then, {Show(kv.Value)} now").ToList();
            if (diffs.Count > 0)
            {
                throw new SiftException($"{outDir} holds a run with other settings ({string.Join("; ", diffs)}); use the same settings to resume, or another --out");
            }
        }
        var o = (JsonObject)identity.DeepClone();
        o["samples"] = samples;
        o["problems"] = problems;
        o["updated"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        AtomicFile.WriteAllText(path, o.ToJsonString(Sift.Eval.Reporting.EvalJson.Indented) + "\n");
    }

    private static string Show(JsonNode? n) => n is null ? "none" : n.ToJsonString();
}
