using System.Text.Json.Nodes;

namespace Sift.Text.Hf;

/// <summary>
/// Everything a tokenizer.json holds that Sift uses: the BPE model, the added tokens, and the pipeline
/// sections kept as JSON so that saving writes them back unchanged (they are interpreted by <see cref="HfPipeline"/>).
/// </summary>
internal sealed class TokenizerDefinition
{
    public required Dictionary<string, int> Vocab { get; init; }

    public required List<(string Left, string Right)> Merges { get; init; }

    public required List<AddedToken> AddedTokens { get; init; }

    public string? UnkToken { get; init; }

    public bool ByteFallback { get; init; }

    public bool FuseUnk { get; init; }

    public bool IgnoreMerges { get; init; }

    public JsonNode? Normalizer { get; init; }

    public JsonNode? PreTokenizer { get; init; }

    public JsonNode? PostProcessor { get; init; }

    public JsonNode? Decoder { get; init; }
}
