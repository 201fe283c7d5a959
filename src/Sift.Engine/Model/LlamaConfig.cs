using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.Engine.Model;

/// <summary>
/// The hyper-parameters of a Llama-architecture model, with Hugging Face <c>config.json</c> field names
/// (LlamaForCausalLM: TinyLlama, Llama 2/3, Mistral-style, Rho-Math-1B).
/// </summary>
public sealed record LlamaConfig
{
    /// <summary>vocab_size.</summary>
    public int VocabSize { get; init; }

    /// <summary>hidden_size (d).</summary>
    public int HiddenSize { get; init; }

    /// <summary>intermediate_size (SwiGLU hidden width).</summary>
    public int IntermediateSize { get; init; }

    /// <summary>num_hidden_layers.</summary>
    public int NumHiddenLayers { get; init; }

    /// <summary>num_attention_heads.</summary>
    public int NumAttentionHeads { get; init; }

    /// <summary>num_key_value_heads (GQA); equals the head count for plain multi-head attention.</summary>
    public int NumKeyValueHeads { get; init; }

    /// <summary>head_dim; defaults to hidden_size / num_attention_heads.</summary>
    public int HeadDim { get; init; }

    /// <summary>max_position_embeddings (context length).</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary>rms_norm_eps.</summary>
    public float RmsNormEps { get; init; } = 1e-5f;

    /// <summary>rope_theta.</summary>
    public float RopeTheta { get; init; } = 10000f;

    /// <summary>tie_word_embeddings: the LM head reuses the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>bos_token_id, when set.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>eos_token_id, when set (the first one when the config holds a list).</summary>
    public int? EosTokenId { get; init; }

    /// <summary>torch_dtype as written in the config ("float32", "bfloat16", ...); informational.</summary>
    public string TorchDtype { get; init; } = "float32";

    /// <summary>Query heads served by each key/value head.</summary>
    public int GroupSize => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>Width of the concatenated query projection.</summary>
    public int QDim => NumAttentionHeads * HeadDim;

    /// <summary>Width of the key (and of the value) projection.</summary>
    public int KvDim => NumKeyValueHeads * HeadDim;

    /// <summary>Checks the invariants the engine relies on; throws <see cref="SiftException"/> naming the field.</summary>
    public LlamaConfig Validate(string source = "config")
    {
        void Positive(int v, string field)
        {
            if (v <= 0)
            {
                throw new SiftException($"{source}: field '{field}' must be a positive integer, got {v}");
            }
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(HeadDim, "head_dim");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
        {
            throw new SiftException($"{source}: num_attention_heads ({NumAttentionHeads}) must be a multiple of num_key_value_heads ({NumKeyValueHeads})");
        }
        if (HeadDim % 2 != 0)
        {
            throw new SiftException($"{source}: head_dim ({HeadDim}) must be even for rotary embeddings");
        }
        if (!(RmsNormEps > 0) || float.IsInfinity(RmsNormEps))
        {
            throw new SiftException($"{source}: field 'rms_norm_eps' must be a positive number, got {RmsNormEps}");
        }
        if (!(RopeTheta > 0) || float.IsInfinity(RopeTheta))
        {
            throw new SiftException($"{source}: field 'rope_theta' must be a positive number, got {RopeTheta}");
        }
        if (BosTokenId is int b && (b < 0 || b >= VocabSize))
        {
            throw new SiftException($"{source}: bos_token_id {b} is outside the vocabulary (0..{VocabSize - 1})");
        }
        if (EosTokenId is int e && (e < 0 || e >= VocabSize))
        {
            throw new SiftException($"{source}: eos_token_id {e} is outside the vocabulary (0..{VocabSize - 1})");
        }
        return this;
    }

    /// <summary>Total parameter count (the LM head counted once when tied).</summary>
    public long ParameterCount => ParameterLayout.For(this).TotalLength;

    /// <summary>Reads a Hugging Face config.json. Errors name the file and the field.</summary>
    public static LlamaConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: model config not found (expected a Hugging Face config.json)");
        }
        string text = File.ReadAllText(path);
        return Parse(text, path);
    }

    /// <summary>Parses config.json text; <paramref name="source"/> names it in errors.</summary>
    public static LlamaConfig Parse(string json, string source = "config.json")
    {
        JsonObject obj;
        try
        {
            obj = JsonNode.Parse(json) as JsonObject ?? throw new SiftException($"{source}: expected a JSON object");
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{source}: invalid JSON: {ex.Message}", ex);
        }

        string? modelType = Str(obj, "model_type", source);
        if (modelType is not null && modelType is not ("llama" or "mistral"))
        {
            throw new SiftException($"{source}: model_type '{modelType}' is not supported; supported: llama, mistral (LlamaForCausalLM architecture)");
        }
        string? act = Str(obj, "hidden_act", source);
        if (act is not null && act != "silu")
        {
            throw new SiftException($"{source}: hidden_act '{act}' is not supported; expected 'silu' (SwiGLU)");
        }
        if (obj["rope_scaling"] is JsonNode rs && rs.GetValueKind() != JsonValueKind.Null)
        {
            throw new SiftException($"{source}: rope_scaling is not supported yet (expected null); got {rs.ToJsonString()}");
        }
        foreach (string flag in new[] { "attention_bias", "mlp_bias" })
        {
            if (obj[flag] is JsonNode f && f.GetValueKind() == JsonValueKind.True)
            {
                throw new SiftException($"{source}: {flag}=true is not supported (Llama projections have no bias)");
            }
        }
        if (obj["sliding_window"] is JsonNode sw && sw.GetValueKind() == JsonValueKind.Number)
        {
            throw new SiftException($"{source}: sliding_window attention is not supported; set it to null");
        }

        int hidden = Int(obj, "hidden_size", source, required: true)!.Value;
        int heads = Int(obj, "num_attention_heads", source, required: true)!.Value;
        if (heads <= 0)
        {
            throw new SiftException($"{source}: field 'num_attention_heads' must be a positive integer, got {heads}");
        }
        var cfg = new LlamaConfig
        {
            VocabSize = Int(obj, "vocab_size", source, required: true)!.Value,
            HiddenSize = hidden,
            IntermediateSize = Int(obj, "intermediate_size", source, required: true)!.Value,
            NumHiddenLayers = Int(obj, "num_hidden_layers", source, required: true)!.Value,
            NumAttentionHeads = heads,
            NumKeyValueHeads = Int(obj, "num_key_value_heads", source) ?? heads,
            HeadDim = Int(obj, "head_dim", source) ?? hidden / heads,
            MaxPositionEmbeddings = Int(obj, "max_position_embeddings", source) ?? 2048,
            RmsNormEps = Float(obj, "rms_norm_eps", source) ?? 1e-6f,
            RopeTheta = Float(obj, "rope_theta", source) ?? 10000f,
            TieWordEmbeddings = Bool(obj, "tie_word_embeddings", source) ?? false,
            BosTokenId = Int(obj, "bos_token_id", source),
            EosTokenId = IntOrFirst(obj, "eos_token_id", source),
            TorchDtype = Str(obj, "torch_dtype", source) ?? "float32",
        };
        if (hidden % heads != 0 && obj["head_dim"] is null)
        {
            throw new SiftException($"{source}: hidden_size ({hidden}) is not divisible by num_attention_heads ({heads}); set head_dim");
        }
        return cfg.Validate(source);
    }

    /// <summary>Serialises to Hugging Face config.json text (what transformers' LlamaConfig reads).</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["head_dim"] = HeadDim,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["rope_scaling"] = null,
            ["hidden_act"] = "silu",
            ["attention_bias"] = false,
            ["attention_dropout"] = 0.0,
            ["mlp_bias"] = false,
            ["pretraining_tp"] = 1,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["initializer_range"] = 0.02,
            ["use_cache"] = true,
            ["torch_dtype"] = TorchDtype,
        };
        if (BosTokenId is int b)
        {
            o["bos_token_id"] = b;
        }
        if (EosTokenId is int e)
        {
            o["eos_token_id"] = e;
        }
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes config.json atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    private static string? Str(JsonObject o, string f, string src)
    {
        if (o[f] is not JsonNode n || n.GetValueKind() == JsonValueKind.Null)
        {
            return null;
        }
        return n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>()
            : throw new SiftException($"{src}: field '{f}' must be a string, got {n.ToJsonString()}");
    }

    private static int? Int(JsonObject o, string f, string src, bool required = false)
    {
        if (o[f] is not JsonNode n || n.GetValueKind() == JsonValueKind.Null)
        {
            return required ? throw new SiftException($"{src}: missing required field '{f}' (an integer)") : null;
        }
        if (n.GetValueKind() == JsonValueKind.Number && n.AsValue().TryGetValue(out long v) && v is >= int.MinValue and <= int.MaxValue)
        {
            return (int)v;
        }
        if (n.GetValueKind() == JsonValueKind.Number && n.AsValue().TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue)
        {
            return (int)d;
        }
        throw new SiftException($"{src}: field '{f}' must be an integer, got {n.ToJsonString()}");
    }

    private static int? IntOrFirst(JsonObject o, string f, string src)
    {
        if (o[f] is JsonArray arr)
        {
            if (arr.Count == 0)
            {
                return null;
            }
            var tmp = new JsonObject { [f] = arr[0]!.DeepClone() };
            return Int(tmp, f, src);
        }
        return Int(o, f, src);
    }

    private static float? Float(JsonObject o, string f, string src)
    {
        if (o[f] is not JsonNode n || n.GetValueKind() == JsonValueKind.Null)
        {
            return null;
        }
        return n.GetValueKind() == JsonValueKind.Number ? (float)n.GetValue<double>()
            : throw new SiftException($"{src}: field '{f}' must be a number, got {n.ToJsonString()}");
    }

    private static bool? Bool(JsonObject o, string f, string src)
    {
        if (o[f] is not JsonNode n || n.GetValueKind() == JsonValueKind.Null)
        {
            return null;
        }
        return n.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new SiftException($"{src}: field '{f}' must be true or false, got {n.ToJsonString()}"),
        };
    }
}
