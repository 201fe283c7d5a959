using System.Text.Json;
using System.Text.Json.Serialization;
using Sift.Core;

namespace Sift.Pipelines.Training;

/// <summary>What besides weights and optimizer moments a resumed run needs to continue exactly.</summary>
internal sealed record TrainerState
{
    /// <summary>Optimizer steps completed.</summary>
    [JsonPropertyName("step")]
    public long Step { get; init; }

    /// <summary>Tokens processed (inputs seen, selected or not).</summary>
    [JsonPropertyName("tokens")]
    public long Tokens { get; init; }

    /// <summary>Tokens that received gradient (differs from Tokens under selective training).</summary>
    [JsonPropertyName("trained_tokens")]
    public long TrainedTokens { get; init; }

    /// <summary>AdamW's step counter (bias correction).</summary>
    [JsonPropertyName("adam_step")]
    public long AdamStep { get; init; }

    /// <summary>Training data cursor (JSON of the sampler cursor).</summary>
    [JsonPropertyName("data_cursor")]
    public string DataCursor { get; init; } = "";

    /// <summary>State of the run's random generator (objective sampling).</summary>
    [JsonPropertyName("rng_state")]
    public ulong[] RngState { get; init; } = [];

    /// <summary>Wall-clock seconds spent training before this checkpoint.</summary>
    [JsonPropertyName("elapsed_s")]
    public double ElapsedSeconds { get; init; }

    /// <summary>SHA-256 of the resolved recipe: resuming with a different recipe is refused.</summary>
    [JsonPropertyName("recipe_sha256")]
    public string RecipeSha256 { get; init; } = "";

    /// <summary>The recipe values compared on resume (key → canonical text); null in checkpoints of earlier versions.</summary>
    [JsonPropertyName("recipe")]
    public SortedDictionary<string, string>? Recipe { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>Serialises to indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads trainer_state.json; errors name the file.</summary>
    public static TrainerState Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path)) ?? throw new SiftException($"{path}: empty trainer state");
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{path}: invalid trainer state: {ex.Message}", ex);
        }
    }
}
