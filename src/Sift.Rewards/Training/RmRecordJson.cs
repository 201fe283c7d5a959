using System.Text.Json;
using Sift.Core;

namespace Sift.Rewards.Training;

/// <summary>Field reading for reward-model training records: every error names the line (file:line) and the field.</summary>
internal static class RmRecordJson
{
    /// <summary>The line as a JSON object.</summary>
    public static JsonDocument Parse(string json, string where)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{where}: bad JSON: {ex.Message}", ex);
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = doc.RootElement.ValueKind;
            doc.Dispose();
            throw new SiftException($"{where}: expected a JSON object, got {Describe(kind)}");
        }
        return doc;
    }

    /// <summary>A string field, or null when absent or null; any other kind is an error.</summary>
    public static string? OptString(JsonElement o, string field, string where)
    {
        if (!o.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new SiftException($"{where}: field \"{field}\" is {Describe(v.ValueKind)}, expected a string");
    }

    /// <summary>A required string field.</summary>
    public static string String(JsonElement o, string field, string where, string what) =>
        OptString(o, field, where) ?? throw new SiftException($"{where}: missing field \"{field}\" ({what})");

    /// <summary>A boolean field, or null when absent or null; any other kind is an error.</summary>
    public static bool? OptBool(JsonElement o, string field, string where)
    {
        if (!o.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new SiftException($"{where}: field \"{field}\" is {Describe(v.ValueKind)}, expected true or false"),
        };
    }

    /// <summary>How a JSON kind reads in an error.</summary>
    public static string Describe(JsonValueKind k) => k switch
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
