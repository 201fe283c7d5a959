using System.Text.Json;

namespace Sift.Hub;

/// <summary>
/// Which files of a model repository Sift needs: config.json, the tokenizer files and generation_config.json when
/// present, and the safetensors weights (model.safetensors, or model.safetensors.index.json and every shard its
/// weight_map names). Nothing else is downloaded (no .bin / .pt / ONNX copies, no README images).
/// </summary>
internal static class HubModelFiles
{
    public const string Config = "config.json";
    public const string Weights = "model.safetensors";
    public const string Index = "model.safetensors.index.json";

    /// <summary>Fetched when the repository has them.</summary>
    public static readonly string[] Optional =
    [
        "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
        "added_tokens.json", "vocab.json", "merges.txt", "tokenizer.model",
    ];

    /// <summary>The files to fetch, given the listing; <paramref name="fetch"/> brings the shard index when there is one.</summary>
    public static async Task<IReadOnlyList<(string File, string? Sha256)>> ChooseAsync(HubRepo repo, IReadOnlyList<string> files, Func<string, Task<string>> fetch)
    {
        var present = files.ToHashSet(StringComparer.Ordinal);
        if (!present.Contains(Config))
        {
            throw new HubException(HubErrorKind.EntryNotFound, $"{repo}: no config.json, so it is not a model Sift can load (files: {Listing(files)})");
        }
        var chosen = new List<string> { Config };
        chosen.AddRange(Optional.Where(present.Contains));
        if (present.Contains(Weights))
        {
            chosen.Add(Weights);
        }
        else if (present.Contains(Index))
        {
            var shards = Shards(await fetch(Index).ConfigureAwait(false));
            var missing = shards.Where(s => !present.Contains(s)).ToList();
            if (missing.Count > 0)
            {
                throw new HubException(HubErrorKind.EntryNotFound, $"{repo}: {Index} names shard(s) the repository lacks: {string.Join(", ", missing.Take(5))}");
            }
            chosen.AddRange(shards);
        }
        else
        {
            throw new HubException(HubErrorKind.EntryNotFound, $"{repo}: no {Weights} or {Index} (Sift reads safetensors weights; files: {Listing(files)})");
        }
        return [.. chosen.Select(f => (f, (string?)null))];
    }

    /// <summary>Null when a cached snapshot holds a loadable model, else what is missing.</summary>
    public static string? CheckCached(string dir, IReadOnlyList<string> files)
    {
        var present = files.ToHashSet(StringComparer.Ordinal);
        if (!present.Contains(Config))
        {
            return "no config.json in the cached snapshot";
        }
        if (present.Contains(Weights))
        {
            return null;
        }
        if (!present.Contains(Index))
        {
            return $"no {Weights} or {Index} in the cached snapshot";
        }
        var missing = Shards(Path.Combine(dir, Index)).Where(s => !present.Contains(s)).ToList();
        return missing.Count == 0 ? null : $"shard(s) not cached: {string.Join(", ", missing.Take(5))}";
    }

    /// <summary>The distinct shard files of a safetensors index, in first-seen order.</summary>
    public static IReadOnlyList<string> Shards(string indexPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(indexPath));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new HubException(HubErrorKind.Other, $"{indexPath}: no \"weight_map\" object");
            }
            return [.. map.EnumerateObject().Select(p => p.Value.GetString() ?? "").Where(s => s.Length > 0).Distinct()];
        }
        catch (JsonException ex)
        {
            throw new HubException(HubErrorKind.Other, $"{indexPath}: not valid JSON ({ex.Message})", ex);
        }
    }

    private static string Listing(IReadOnlyList<string> files) => files.Count == 0 ? "none" : string.Join(", ", files.Take(12)) + (files.Count > 12 ? ", ..." : "");
}
