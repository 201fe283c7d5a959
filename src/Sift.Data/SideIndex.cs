using System.Text.Json;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.Data;

/// <summary>
/// <c>side-index.json</c>: a per-token array (provenance bytes, reference scores, ...) aligned 1:1 with
/// a parent token dataset, split into shards with the same token counts as the parent's shards.
/// </summary>
public sealed class SideIndex
{
    /// <summary>Value of the "format" field.</summary>
    public const string FormatName = "sift-side";

    /// <summary>Format version.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Index file name inside a side folder.</summary>
    public const string FileName = "side-index.json";

    /// <summary>Side shard file name for shard <paramref name="i"/>.</summary>
    public static string ShardFileName(int i) => $"side-{i:D5}.bin";

    /// <summary>Always "sift-side".</summary>
    public string Format { get; set; } = FormatName;

    /// <summary>Format version.</summary>
    public int Version { get; set; } = CurrentVersion;

    /// <summary>Element type name: uint8, int8, uint16, int32, float16, float32.</summary>
    public string Dtype { get; set; } = "";

    /// <summary>Bytes per element.</summary>
    public int ElementBytes { get; set; }

    /// <summary>The parent's total token count (= elements here).</summary>
    public long ParentTotalTokens { get; set; }

    /// <summary>The parent's tokenizer fingerprint.</summary>
    public string ParentTokenizerFingerprint { get; set; } = "";

    /// <summary>The parent's <see cref="DatasetIndex.ContentFingerprint"/>.</summary>
    public string ParentContentFingerprint { get; set; } = "";

    /// <summary>Shards (same token counts as the parent's).</summary>
    public List<ShardEntry> Shards { get; set; } = [];

    internal void Save(string folder) =>
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, DataJson.Options) + "\n");

    internal static SideIndex Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: no side-shard index (expected a folder written by SideShardWriter)");
        }
        SideIndex? index;
        try
        {
            index = JsonSerializer.Deserialize<SideIndex>(File.ReadAllText(path), DataJson.Options);
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{path}: bad JSON: {ex.Message}", ex);
        }
        if (index is null || index.Format != FormatName || index.Version != CurrentVersion || index.Shards is null)
        {
            throw new SiftException($"{path}: expected format \"{FormatName}\" version {CurrentVersion} with a \"shards\" list");
        }
        return index;
    }
}

/// <summary>Maps the unmanaged element types allowed in side shards to their index names.</summary>
internal static class SideDType
{
    public static unsafe string NameOf<T>() where T : unmanaged
    {
        var t = typeof(T);
        string? name = t == typeof(byte) ? "uint8"
            : t == typeof(sbyte) ? "int8"
            : t == typeof(ushort) ? "uint16"
            : t == typeof(int) ? "int32"
            : t == typeof(Half) ? "float16"
            : t == typeof(float) ? "float32"
            : null;
        return name ?? throw new NotSupportedException($"side shards support byte, sbyte, ushort, int, Half and float, not {t.Name}");
    }
}
