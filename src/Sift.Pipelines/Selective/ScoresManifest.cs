using System.Text.Json;
using System.Text.Json.Serialization;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.Pipelines.Selective;

/// <summary>
/// scores.json: what a reference-score folder was computed from. Training refuses scores whose dataset,
/// window length or completeness do not match.
/// </summary>
internal sealed record ScoresManifest
{
    /// <summary>File name inside the scores folder.</summary>
    public const string FileName = "scores.json";

    /// <summary>Format tag.</summary>
    [JsonPropertyName("format")]
    public string Format { get; init; } = "sift-scores";

    /// <summary>Format version.</summary>
    [JsonPropertyName("version")]
    public int Version { get; init; } = 1;

    /// <summary>Dataset folder scored (informational; matching uses the fingerprints).</summary>
    [JsonPropertyName("dataset")]
    public string Dataset { get; init; } = "";

    /// <summary>The dataset's tokenizer fingerprint.</summary>
    [JsonPropertyName("tokenizer_fingerprint")]
    public string TokenizerFingerprint { get; init; } = "";

    /// <summary>The dataset's total tokens.</summary>
    [JsonPropertyName("total_tokens")]
    public long TotalTokens { get; init; }

    /// <summary>SHA-256 over the reference model's config and weight files.</summary>
    [JsonPropertyName("model_sha256")]
    public string ModelSha256 { get; init; } = "";

    /// <summary>Reference model folder (informational).</summary>
    [JsonPropertyName("model")]
    public string Model { get; init; } = "";

    /// <summary>Window length T used for scoring; training must use the same.</summary>
    [JsonPropertyName("seq_len")]
    public int SeqLen { get; init; }

    /// <summary>"float16" or "float32".</summary>
    [JsonPropertyName("dtype")]
    public string DType { get; init; } = "float16";

    /// <summary>Number of parts the scoring was split into.</summary>
    [JsonPropertyName("parts")]
    public int Parts { get; init; } = 1;

    /// <summary>"windows" (stride-T windows, for SLM) or "documents" (each document from position 0, for example training).</summary>
    [JsonPropertyName("layout")]
    public string Layout { get; init; } = "windows";

    /// <summary>True once every part is merged into the side shard.</summary>
    [JsonPropertyName("complete")]
    public bool Complete { get; init; }

    /// <summary>Mean reference loss over scored tokens (filled when complete).</summary>
    [JsonPropertyName("mean_loss")]
    public double MeanLoss { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>Writes the manifest atomically.</summary>
    public void Save(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Options) + "\n");

    /// <summary>Reads a manifest, or null when the folder has none.</summary>
    public static ScoresManifest? TryLoad(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<ScoresManifest>(File.ReadAllText(path)) ?? throw new SiftException($"{path}: empty");
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{path}: invalid scores manifest: {ex.Message}");
        }
    }

    /// <summary>Hash identifying a model folder's weights and config.</summary>
    public static string ModelHash(string modelDir)
    {
        var files = Directory.GetFiles(modelDir, "*.safetensors").Where(f => !f.EndsWith("optimizer.safetensors", StringComparison.Ordinal))
            .Append(Path.Combine(modelDir, "config.json")).OrderBy(f => f, StringComparer.Ordinal);
        string joined = string.Join("\n", files.Select(f => Path.GetFileName(f) + ":" + Hashing.Sha256File(f)));
        return Hashing.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(joined));
    }
}
