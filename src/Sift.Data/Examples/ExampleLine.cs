using System.Text.Json;
using Sift.Core;

namespace Sift.Data.Examples;

/// <summary>Text of one field: a plain string, or chat messages.</summary>
internal sealed record ExampleContent(string? Text, IReadOnlyList<ChatTurn>? Turns)
{
    public bool IsChat => Turns is not null;
}

/// <summary>
/// One parsed line of an example file (TRL's dataset fields): <c>prompt</c>/<c>completion</c> or <c>messages</c> (sft),
/// <c>prompt</c>/<c>chosen</c>/<c>rejected</c> (pairs), <c>prompt</c>/<c>completion</c>/<c>label</c> (kto). Fields are
/// strings or lists of <c>{role, content}</c> messages; other fields are ignored.
/// </summary>
internal sealed record ExampleLine(string Where, ExampleContent? Prompt, ExampleContent? Completion, ExampleContent? Chosen,
    ExampleContent? Rejected, IReadOnlyList<ChatTurn>? Messages, bool? Label)
{
    /// <summary>Parses a JSONL line for <paramref name="kind"/>; every error names <paramref name="where"/> (file:line) and the field.</summary>
    public static ExampleLine Parse(string json, string where, ExampleKind kind)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SiftException($"{where}: expected a JSON object, got {Describe(root.ValueKind)}");
            }
            var prompt = Content(root, "prompt", where);
            switch (kind)
            {
                case ExampleKind.Sft:
                    {
                        var messages = Turns(root, "messages", where);
                        if (messages is not null)
                        {
                            if (prompt is not null)
                            {
                                throw new SiftException($"{where}: give either \"messages\" or \"prompt\" and \"completion\", not both");
                            }
                            if (!messages.Any(m => m.Role == "assistant"))
                            {
                                throw new SiftException($"{where}: field \"messages\" has no assistant message, so nothing would be trained");
                            }
                            return new ExampleLine(where, null, null, null, null, messages, null);
                        }
                        return new ExampleLine(where, Require(prompt, "prompt", where, "(or \"messages\")"), Require(Content(root, "completion", where), "completion", where), null, null, null, null);
                    }
                case ExampleKind.Pairs:
                    return new ExampleLine(where, Require(prompt, "prompt", where), null,
                        Require(Content(root, "chosen", where), "chosen", where), Require(Content(root, "rejected", where), "rejected", where), null, null);
                default:
                    {
                        if (!root.TryGetProperty("label", out var label))
                        {
                            throw new SiftException($"{where}: missing field \"label\" (true for a desirable completion, false for an undesirable one)");
                        }
                        if (label.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        {
                            throw new SiftException($"{where}: field \"label\" is {Describe(label.ValueKind)}, expected true or false");
                        }
                        return new ExampleLine(where, Require(prompt, "prompt", where), Require(Content(root, "completion", where), "completion", where),
                            null, null, null, label.ValueKind == JsonValueKind.True);
                    }
            }
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{where}: bad JSON: {ex.Message}", ex);
        }
    }

    private static ExampleContent Require(ExampleContent? c, string field, string where, string also = "") =>
        c ?? throw new SiftException($"{where}: missing field \"{field}\"{(also.Length > 0 ? " " + also : "")}");

    private static ExampleContent? Content(JsonElement root, string field, string where)
    {
        if (!root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (v.ValueKind == JsonValueKind.String)
        {
            return new ExampleContent(v.GetString()!, null);
        }
        if (v.ValueKind == JsonValueKind.Array)
        {
            return new ExampleContent(null, Turns(root, field, where));
        }
        throw new SiftException($"{where}: field \"{field}\" is {Describe(v.ValueKind)}, expected a string or a list of {{\"role\", \"content\"}} messages");
    }

    private static List<ChatTurn>? Turns(JsonElement root, string field, string where)
    {
        if (!root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new SiftException($"{where}: field \"{field}\" is {Describe(v.ValueKind)}, expected a list of {{\"role\", \"content\"}} messages");
        }
        var turns = new List<ChatTurn>();
        int i = 0;
        foreach (var m in v.EnumerateArray())
        {
            string at = $"{where}: {field}[{i++}]";
            if (m.ValueKind != JsonValueKind.Object)
            {
                throw new SiftException($"{at} is {Describe(m.ValueKind)}, expected a {{\"role\", \"content\"}} object");
            }
            if (!m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            {
                throw new SiftException($"{at}: missing string field \"role\"");
            }
            if (!m.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            {
                throw new SiftException($"{at}: missing string field \"content\"");
            }
            string r = role.GetString()!;
            if (r is not ("system" or "user" or "assistant"))
            {
                throw new SiftException($"{at}: role \"{r}\" (expected system, user or assistant)");
            }
            turns.Add(new ChatTurn(r, content.GetString()!));
        }
        if (turns.Count == 0)
        {
            throw new SiftException($"{where}: field \"{field}\" is an empty list");
        }
        return turns;
    }

    internal static string Describe(JsonValueKind k) => k switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => k.ToString(),
    };
}
