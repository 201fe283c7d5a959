using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sift.Data;

/// <summary>The JSON settings shared by every Sift.Data index file (snake_case, indented, no nulls skipped).</summary>
internal static class DataJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        NewLine = "\n",
    };
}
