using System.Text.Json;

namespace Sift.Curation.Input;

/// <summary>Reads the fields of one JSONL record for the item readers (mutation sources, agent seeds).</summary>
internal static class JsonItemFields
{
    /// <summary>A string or number field as text, or null with <paramref name="why"/> set (the first problem only).</summary>
    public static string? Field(JsonElement root, string name, ref string? why)
    {
        if (!root.TryGetProperty(name, out var v))
        {
            why ??= $"field \"{name}\" missing";
            return null;
        }
        if (v.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            why ??= $"field \"{name}\" is {v.ValueKind.ToString().ToLowerInvariant()}; expected a string";
            return null;
        }
        return Scalar(v);
    }

    /// <summary>The record's id: <paramref name="idField"/> when given, else idx or id when present, else "line:N".</summary>
    public static string Id(JsonElement root, string? idField, int line, ref string? why) =>
        idField is { } f ? Field(root, f, ref why) ?? ""
        : root.TryGetProperty("idx", out var idx) && idx.ValueKind is JsonValueKind.Number or JsonValueKind.String ? Scalar(idx)
        : root.TryGetProperty("id", out var idv) && idv.ValueKind is JsonValueKind.Number or JsonValueKind.String ? Scalar(idv)
        : $"line:{line}";

    private static string Scalar(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
}
