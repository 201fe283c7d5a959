using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using static Sift.Text.Hf.JsonFields;

namespace Sift.Text.Hf;

/// <summary>Reads a HF tokenizer.json into a <see cref="TokenizerDefinition"/> (BPE models only).</summary>
internal static class HfJsonReader
{
    public const string SupportedModels = "BPE (byte-level as in GPT-2 / Llama 3 / Qwen2, or SentencePiece-style with byte fallback as in Llama 2 / Mistral)";

    public static TokenizerDefinition Parse(string json, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SiftException($"{source}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        var top = Object(root, source, "(root)");
        var model = Object(top["model"], source, "model");
        string type = model["type"] is { } t ? String(t, source, "model.type") : "BPE";
        if (type != "BPE")
        {
            throw new SiftException($"{source}: field 'model.type' is '{type}', which Sift does not support; supported: {SupportedModels}");
        }
        foreach (string affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (!string.IsNullOrEmpty(OptionalString(model[affix], source, "model." + affix)))
            {
                throw Error(source, "model." + affix, "must be null: Sift's BPE does not support subword prefixes/suffixes");
            }
        }

        var vocabObj = Object(model["vocab"], source, "model.vocab");
        var vocab = new Dictionary<string, int>(vocabObj.Count, StringComparer.Ordinal);
        foreach (var (token, idNode) in vocabObj)
        {
            int id = Int(idNode, source, $"model.vocab[\"{token}\"]");
            if (id < 0)
            {
                throw Error(source, $"model.vocab[\"{token}\"]", $"must be a non-negative id (found {id})");
            }
            vocab[token] = id;
        }

        var mergesArr = Array(model["merges"], source, "model.merges");
        var merges = new List<(string, string)>(mergesArr.Count);
        for (int i = 0; i < mergesArr.Count; i++)
        {
            merges.Add(ParseMerge(mergesArr[i], source, $"model.merges[{i}]"));
        }

        var added = new List<AddedToken>();
        if (top["added_tokens"] is { } addedNode)
        {
            var arr = Array(addedNode, source, "added_tokens");
            for (int i = 0; i < arr.Count; i++)
            {
                string f = $"added_tokens[{i}]";
                var o = Object(arr[i], source, f);
                added.Add(new AddedToken(
                    Int(o["id"], source, f + ".id"),
                    String(o["content"], source, f + ".content"),
                    Bool(o["special"], source, f + ".special", false),
                    Bool(o["lstrip"], source, f + ".lstrip", false),
                    Bool(o["rstrip"], source, f + ".rstrip", false),
                    Bool(o["normalized"], source, f + ".normalized", false),
                    Bool(o["single_word"], source, f + ".single_word", false)));
            }
        }

        return new TokenizerDefinition
        {
            Vocab = vocab,
            Merges = merges,
            AddedTokens = added,
            UnkToken = OptionalString(model["unk_token"], source, "model.unk_token"),
            ByteFallback = Bool(model["byte_fallback"], source, "model.byte_fallback", false),
            FuseUnk = Bool(model["fuse_unk"], source, "model.fuse_unk", false),
            IgnoreMerges = Bool(model["ignore_merges"], source, "model.ignore_merges", false),
            Normalizer = top["normalizer"]?.DeepClone(),
            PreTokenizer = top["pre_tokenizer"]?.DeepClone(),
            PostProcessor = top["post_processor"]?.DeepClone(),
            Decoder = top["decoder"]?.DeepClone(),
        };
    }

    private static (string, string) ParseMerge(JsonNode? node, string source, string field)
    {
        if (node is JsonArray pair)
        {
            if (pair.Count != 2)
            {
                throw Error(source, field, $"must be a pair [left, right] (found {pair.Count} items)");
            }
            return (String(pair[0], source, field + "[0]"), String(pair[1], source, field + "[1]"));
        }
        string s = String(node, source, field);
        int space = s.Length < 3 ? -1 : s.IndexOf(' ', 1);
        if (space < 0 || space == s.Length - 1)
        {
            throw Error(source, field, $"must be \"left right\" separated by one space (found \"{s}\")");
        }
        return (s[..space], s[(space + 1)..]);
    }
}
