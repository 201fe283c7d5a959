using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using static Sift.Text.Hf.JsonFields;

namespace Sift.Text.Hf;

/// <summary>The parts of a HF tokenizer_config.json that Sift reads: BOS/EOS names and the chat template.</summary>
internal sealed record TokenizerConfig(bool HasBos, string? BosToken, bool HasEos, string? EosToken, string? ChatTemplate)
{
    public static TokenizerConfig Parse(string json, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SiftException($"{source}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        var top = Object(root, source, "(root)");
        return new TokenizerConfig(
            top.ContainsKey("bos_token"), TokenName(top["bos_token"], source, "bos_token"),
            top.ContainsKey("eos_token"), TokenName(top["eos_token"], source, "eos_token"),
            ChatTemplateOf(top["chat_template"], source));
    }

    /// <summary>A token is written as "text" or as {"content": "text", ...} (AddedToken form), or null.</summary>
    private static string? TokenName(JsonNode? node, string source, string field) =>
        node is JsonObject o ? String(o["content"], source, field + ".content") : OptionalString(node, source, field);

    /// <summary>chat_template is a string, or a list of {name, template}: then the "default" one (or the first).</summary>
    private static string? ChatTemplateOf(JsonNode? node, string source)
    {
        if (node is not JsonArray list)
        {
            return OptionalString(node, source, "chat_template");
        }
        string? first = null;
        for (int i = 0; i < list.Count; i++)
        {
            var o = Object(list[i], source, $"chat_template[{i}]");
            string name = String(o["name"], source, $"chat_template[{i}].name");
            string template = String(o["template"], source, $"chat_template[{i}].template");
            if (name == "default")
            {
                return template;
            }
            first ??= template;
        }
        return first;
    }
}
