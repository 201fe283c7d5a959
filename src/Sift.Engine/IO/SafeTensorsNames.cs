using System.Text.RegularExpressions;

namespace Sift.Engine.IO;

/// <summary>File names of the Hugging Face safetensors layouts.</summary>
public static partial class SafeTensorsNames
{
    /// <summary>The single-file checkpoint.</summary>
    public const string SingleFile = "model.safetensors";

    /// <summary>The index of a sharded checkpoint.</summary>
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>Shard i (1-based) of n, as transformers names it: model-00001-of-00002.safetensors.</summary>
    public static string Shard(int index, int count) => $"model-{index:D5}-of-{count:D5}.safetensors";

    /// <summary>True for names following the shard pattern.</summary>
    public static bool IsShardName(string fileName) => ShardPattern().IsMatch(fileName);

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardPattern();
}
