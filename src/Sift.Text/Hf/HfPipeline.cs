using System.Text;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Text.Bpe;
using static Sift.Text.Hf.JsonFields;

namespace Sift.Text.Hf;

/// <summary>When a Metaspace pre-tokenizer prepends its replacement character.</summary>
internal enum PrependScheme
{
    Always,
    First,
    Never,
}

/// <summary>One normalizer step (HF normalizers that BPE models use).</summary>
internal readonly record struct NormalizerStep(string Kind, string A = "", string B = "");

/// <summary>
/// The interpreted normalizer / pre_tokenizer / decoder / post_processor sections of a tokenizer.json.
/// Two families are supported: byte-level (GPT-2, Llama 3, Qwen2) and character BPE with an optional
/// SentencePiece space marker and byte fallback (Llama 2, TinyLlama, Mistral).
/// </summary>
internal sealed class HfPipeline
{
    public bool ByteLevel { get; private set; }

    public List<NormalizerStep> Normalizers { get; } = [];

    /// <summary>Byte-level pre-tokenisation regex, or null to treat each segment as one word.</summary>
    public string? SplitPattern { get; private set; }

    public bool AddPrefixSpace { get; private set; }

    /// <summary>Metaspace pre-tokenizer replacement character, when there is one.</summary>
    public char? Metaspace { get; private set; }

    public PrependScheme MetaspacePrepend { get; private set; } = PrependScheme.Always;

    public bool MetaspaceSplit { get; private set; }

    /// <summary>The SentencePiece space marker that the decoder turns back into ' ' (usually '▁').</summary>
    public char? DecoderSpaceMarker { get; private set; }

    /// <summary>Leading spaces the decoder strips (1 for Llama 2's Strip / Metaspace decoders).</summary>
    public int DecoderStripLeft { get; private set; }

    public bool DecoderByteFallback { get; private set; }

    public string? TemplateBos { get; private set; }

    public string? TemplateEos { get; private set; }

    /// <summary>The character that stands for a space inside SentencePiece-style tokens.</summary>
    public char SpaceMarker => Metaspace ?? DecoderSpaceMarker ?? '▁';

    public static HfPipeline Parse(TokenizerDefinition def, string source)
    {
        var p = new HfPipeline();
        p.ParseNormalizer(def.Normalizer, source, "normalizer");
        p.ParsePreTokenizer(def.PreTokenizer, source, "pre_tokenizer");
        p.ParseDecoder(def.Decoder, source, "decoder");
        p.ParsePostProcessor(def.PostProcessor, source, "post_processor");
        return p;
    }

    /// <summary>Applies the normalizer steps to one segment.</summary>
    public string Normalize(string s)
    {
        foreach (var step in Normalizers)
        {
            s = step.Kind switch
            {
                "Prepend" => s.Length == 0 ? s : step.A + s,
                "Replace" => s.Replace(step.A, step.B, StringComparison.Ordinal),
                "NFC" => s.Normalize(NormalizationForm.FormC),
                "NFD" => s.Normalize(NormalizationForm.FormD),
                "NFKC" => s.Normalize(NormalizationForm.FormKC),
                "NFKD" => s.Normalize(NormalizationForm.FormKD),
                "Lowercase" => s.ToLowerInvariant(),
                _ => s,
            };
        }
        return s;
    }

    private void ParseNormalizer(JsonNode? node, string source, string field)
    {
        if (node is null)
        {
            return;
        }
        string type = Type(node, source, field);
        switch (type)
        {
            case "Sequence":
                var items = Array(node["normalizers"], source, field + ".normalizers");
                for (int i = 0; i < items.Count; i++)
                {
                    ParseNormalizer(items[i], source, $"{field}.normalizers[{i}]");
                }
                break;
            case "Prepend":
                Normalizers.Add(new NormalizerStep("Prepend", String(node["prepend"], source, field + ".prepend")));
                break;
            case "Replace":
                Normalizers.Add(new NormalizerStep("Replace", StringPattern(node, source, field),
                    String(node["content"], source, field + ".content")));
                break;
            case "NFC" or "NFD" or "NFKC" or "NFKD" or "Lowercase":
                Normalizers.Add(new NormalizerStep(type));
                break;
            default:
                throw Error(source, field + ".type", $"is '{type}', which Sift does not support (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase)");
        }
    }

    private void ParsePreTokenizer(JsonNode? node, string source, string field)
    {
        if (node is null)
        {
            return;
        }
        string type = Type(node, source, field);
        switch (type)
        {
            case "Sequence":
                var items = Array(node["pretokenizers"], source, field + ".pretokenizers");
                for (int i = 0; i < items.Count; i++)
                {
                    ParsePreTokenizer(items[i], source, $"{field}.pretokenizers[{i}]");
                }
                break;
            case "ByteLevel":
                ByteLevel = true;
                AddPrefixSpace = Bool(node["add_prefix_space"], source, field + ".add_prefix_space", false);
                if (Bool(node["use_regex"], source, field + ".use_regex", true))
                {
                    SetSplit(PreTokenizerPatterns.Gpt2, source, field);
                }
                break;
            case "Split":
                string behavior = String(node["behavior"], source, field + ".behavior");
                if (behavior != "Isolated" || Bool(node["invert"], source, field + ".invert", false))
                {
                    throw Error(source, field, $"is a Split with behavior '{behavior}'; Sift supports only behavior 'Isolated' with invert false");
                }
                var pattern = Object(node["pattern"], source, field + ".pattern");
                string regex = pattern["Regex"] is { } r
                    ? String(r, source, field + ".pattern.Regex")
                    : System.Text.RegularExpressions.Regex.Escape(String(pattern["String"], source, field + ".pattern.String"));
                SetSplit(regex, source, field);
                break;
            case "Metaspace":
                Metaspace = ReplacementChar(node, "replacement", source, field);
                MetaspaceSplit = Bool(node["split"], source, field + ".split", true);
                string? scheme = OptionalString(node["prepend_scheme"], source, field + ".prepend_scheme");
                MetaspacePrepend = scheme switch
                {
                    "always" => PrependScheme.Always,
                    "first" => PrependScheme.First,
                    "never" => PrependScheme.Never,
                    null => Bool(node["add_prefix_space"], source, field + ".add_prefix_space", true) ? PrependScheme.Always : PrependScheme.Never,
                    _ => throw Error(source, field + ".prepend_scheme", $"is '{scheme}'; expected always, first or never"),
                };
                break;
            default:
                throw Error(source, field + ".type", $"is '{type}', which Sift does not support (supported: ByteLevel, Split, Metaspace, Sequence)");
        }
    }

    private void SetSplit(string pattern, string source, string field)
    {
        if (SplitPattern is not null && SplitPattern != pattern)
        {
            throw Error(source, field, "adds a second pre-tokenisation regex; Sift supports one Split (or ByteLevel use_regex) per tokenizer");
        }
        SplitPattern = pattern;
    }

    private void ParseDecoder(JsonNode? node, string source, string field)
    {
        if (node is null)
        {
            return;
        }
        string type = Type(node, source, field);
        switch (type)
        {
            case "Sequence":
                var items = Array(node["decoders"], source, field + ".decoders");
                for (int i = 0; i < items.Count; i++)
                {
                    ParseDecoder(items[i], source, $"{field}.decoders[{i}]");
                }
                break;
            case "ByteLevel":
                ByteLevel = true;
                break;
            case "Replace":
                string from = StringPattern(node, source, field);
                string to = String(node["content"], source, field + ".content");
                if (from.Length != 1 || to != " ")
                {
                    throw Error(source, field, $"replaces '{from}' with '{to}'; Sift supports only replacing one marker character with a space");
                }
                DecoderSpaceMarker = from[0];
                break;
            case "ByteFallback":
                DecoderByteFallback = true;
                break;
            case "Fuse":
                break;
            case "Strip":
                if (String(node["content"], source, field + ".content") != " " || Int(node["stop"], source, field + ".stop") != 0)
                {
                    throw Error(source, field, "must strip spaces from the start only (content \" \", stop 0)");
                }
                DecoderStripLeft = Int(node["start"], source, field + ".start");
                break;
            case "Metaspace":
                DecoderSpaceMarker = ReplacementChar(node, "replacement", source, field);
                string? scheme = OptionalString(node["prepend_scheme"], source, field + ".prepend_scheme");
                bool prepends = scheme is null ? Bool(node["add_prefix_space"], source, field + ".add_prefix_space", true) : scheme != "never";
                DecoderStripLeft = prepends ? 1 : 0;
                break;
            default:
                throw Error(source, field + ".type", $"is '{type}', which Sift does not support (supported: ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence)");
        }
    }

    private void ParsePostProcessor(JsonNode? node, string source, string field)
    {
        if (node is null)
        {
            return;
        }
        string type = Type(node, source, field);
        switch (type)
        {
            case "Sequence":
                var items = Array(node["processors"], source, field + ".processors");
                for (int i = 0; i < items.Count; i++)
                {
                    ParsePostProcessor(items[i], source, $"{field}.processors[{i}]");
                }
                break;
            case "ByteLevel":
                break;
            case "TemplateProcessing":
                var single = Array(node["single"], source, field + ".single");
                bool seenSequence = false;
                for (int i = 0; i < single.Count; i++)
                {
                    var item = Object(single[i], source, $"{field}.single[{i}]");
                    if (item["Sequence"] is not null)
                    {
                        seenSequence = true;
                    }
                    else if (item["SpecialToken"] is { } special)
                    {
                        string id = String(special["id"], source, $"{field}.single[{i}].SpecialToken.id");
                        if (seenSequence)
                        {
                            TemplateEos ??= id;
                        }
                        else
                        {
                            TemplateBos ??= id;
                        }
                    }
                }
                break;
            default:
                throw Error(source, field + ".type", $"is '{type}', which Sift does not support (supported: TemplateProcessing, ByteLevel, Sequence)");
        }
    }

    private static string StringPattern(JsonNode? node, string source, string field)
    {
        var pattern = Object(node!["pattern"], source, field + ".pattern");
        return pattern["String"] is { } s
            ? String(s, source, field + ".pattern.String")
            : throw Error(source, field + ".pattern", "must be {\"String\": ...}; regex replacements are not supported");
    }

    private static char ReplacementChar(JsonNode node, string name, string source, string field)
    {
        string s = String(node[name], source, $"{field}.{name}");
        return s.Length == 1 ? s[0] : throw Error(source, $"{field}.{name}", $"must be one character (found \"{s}\")");
    }
}
