using System.Text.Json;
using Sift.Core;

namespace Sift.Data;

/// <summary>
/// Where a <see cref="WindowSampler"/> stands: the next window is entry <see cref="Position"/> of
/// epoch <see cref="Epoch"/>'s shuffle. The other fields identify the sampler so a cursor is never
/// restored into a different one. Serialise with <see cref="ToJson"/> next to a training checkpoint.
/// </summary>
public sealed record SamplerCursor
{
    /// <summary>Epoch (0-based).</summary>
    public long Epoch { get; init; }

    /// <summary>Windows of this epoch already served.</summary>
    public long Position { get; init; }

    /// <summary>Shuffle seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>Window length T.</summary>
    public int WindowLength { get; init; }

    /// <summary>Windows per epoch in the split.</summary>
    public long WindowCount { get; init; }

    /// <summary>Split, as <see cref="WindowSplit.ToString"/>.</summary>
    public string Split { get; init; } = "all";

    /// <summary>JSON form.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, DataJson.Options);

    /// <summary>Parses <see cref="ToJson"/>'s output; <paramref name="source"/> names the file in errors.</summary>
    public static SamplerCursor FromJson(string json, string source = "cursor")
    {
        try
        {
            return JsonSerializer.Deserialize<SamplerCursor>(json, DataJson.Options)
                ?? throw new SiftException($"{source}: expected a JSON object");
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{source}: bad sampler cursor JSON: {ex.Message}", ex);
        }
    }
}
