using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;

namespace Sift.Text.Hf;

/// <summary>Typed field access on JSON nodes that fails with a SiftException naming the file and field.</summary>
internal static class JsonFields
{
    public static SiftException Error(string source, string field, string expected) =>
        new($"{source}: field '{field}' {expected}");

    public static JsonObject Object(JsonNode? node, string source, string field) =>
        node as JsonObject ?? throw Error(source, field, $"must be a JSON object (found {Kind(node)})");

    public static JsonArray Array(JsonNode? node, string source, string field) =>
        node as JsonArray ?? throw Error(source, field, $"must be a JSON array (found {Kind(node)})");

    public static string String(JsonNode? node, string source, string field) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw Error(source, field, $"must be a string (found {Kind(node)})");

    public static string? OptionalString(JsonNode? node, string source, string field) =>
        node is null ? null : String(node, source, field);

    public static int Int(JsonNode? node, string source, string field) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int i)
            ? i
            : throw Error(source, field, $"must be an integer (found {Kind(node)})");

    public static bool Bool(JsonNode? node, string source, string field, bool missing) =>
        node switch
        {
            null => missing,
            JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
            JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
            _ => throw Error(source, field, $"must be true or false (found {Kind(node)})"),
        };

    /// <summary>The "type" of a pipeline component object.</summary>
    public static string Type(JsonNode? node, string source, string field) =>
        String(Object(node, source, field)["type"], source, field + ".type");

    private static string Kind(JsonNode? node) => node is null ? "null or nothing" : node.GetValueKind().ToString().ToLowerInvariant();
}
