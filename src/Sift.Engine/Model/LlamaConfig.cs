using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.Engine.Model;

/// <summary>
/// The hyper-parameters of a decoder-only model, with Hugging Face <c>config.json</c> field names, and its
/// <see cref="Architecture"/> (Llama, Mistral, Qwen2, InternLM2; LM or score head). The architecture's fixed
/// properties (names, biases, how the window is configured) live in its <see cref="ArchitectureSpec"/>.
/// </summary>
public sealed record LlamaConfig
{
    /// <summary>architectures[0]; defaults to LlamaForCausalLM.</summary>
    public ModelArchitecture Architecture { get; init; } = ModelArchitecture.LlamaForCausalLM;

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

    /// <summary>rope_scaling, or null for plain RoPE.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>sliding_window as written (null: none); whether it applies depends on <see cref="ArchitectureSpec.Window"/>.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>use_sliding_window (Qwen2).</summary>
    public bool UseSlidingWindow { get; init; }

    /// <summary>max_window_layers (Qwen2): layers from this index on use the window.</summary>
    public int MaxWindowLayers { get; init; } = 28;

    /// <summary>tie_word_embeddings: the LM head reuses the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Outputs of a score head (len(id2label)); unused with an LM head.</summary>
    public int NumLabels { get; init; } = 2;

    /// <summary>bos_token_id, when set.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>eos_token_id, when set (the first one when the config holds a list).</summary>
    public int? EosTokenId { get; init; }

    /// <summary>pad_token_id, when set (a score head reads the last token that is not this one).</summary>
    public int? PadTokenId { get; init; }

    /// <summary>torch_dtype as written in the config ("float32", "bfloat16", ...); informational.</summary>
    public string TorchDtype { get; init; } = "float32";

    /// <summary>auto_map as JSON text, kept so a saved remote-code model (InternLM2) still names its classes.</summary>
    public string? AutoMapJson { get; init; }

    /// <summary>The fixed properties of <see cref="Architecture"/>.</summary>
    public ArchitectureSpec Spec => Architectures.Of(Architecture);

    /// <summary>Width of the head's output per position: the vocabulary for an LM head, num_labels for a score head.</summary>
    public int HeadWidth => Spec.Head == ModelHead.CausalLm ? VocabSize : NumLabels;

    /// <summary>
    /// The sliding window of layer <paramref name="layer"/>: a position attends to the last W positions up to and
    /// including itself (transformers' mask keeps key j for query i when i − W &lt; j ≤ i); null for plain causal.
    /// </summary>
    public int? AttentionWindow(int layer) => Spec.Window switch
    {
        SlidingWindowRule.AllLayers => SlidingWindow,
        SlidingWindowRule.UpperLayers when UseSlidingWindow && layer >= MaxWindowLayers => SlidingWindow,
        _ => null,
    };

    /// <summary>
    /// Longest sequence the model runs: max_position_embeddings, unbounded with dynamic RoPE scaling (which exists to
    /// run beyond it).
    /// </summary>
    public int MaxSequenceLength => RopeScaling?.Type == RopeScalingType.Dynamic ? int.MaxValue : MaxPositionEmbeddings;

    /// <summary>Throws a <see cref="SiftException"/> unless the model has an LM head (<paramref name="what"/> names the use).</summary>
    public void RequireCausalLm(string what)
    {
        if (Spec.Head != ModelHead.CausalLm)
        {
            throw new SiftException($"{what} needs a causal-LM head, but the model is {Spec.Name} (a score head of {NumLabels} outputs)");
        }
    }

    /// <summary>Query heads served by each key/value head.</summary>
    public int GroupSize => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>Width of the concatenated query projection.</summary>
    public int QDim => NumAttentionHeads * HeadDim;

    /// <summary>Width of the key (and of the value) projection.</summary>
    public int KvDim => NumKeyValueHeads * HeadDim;

    /// <summary>
    /// Checks the invariants the engine relies on (throws <see cref="SiftException"/> naming the field) and returns the
    /// config with the fields its architecture does not read at their defaults, so equal models compare equal.
    /// </summary>
    public LlamaConfig Validate(string source = "config")
    {
        void Positive(int v, string field)
        {
            if (v <= 0)
            {
                throw new SiftException($"{source}: field '{field}' must be a positive integer, got {v}");
            }
        }
        if (!Enum.IsDefined(Architecture))
        {
            throw new SiftException($"{source}: unknown architecture {(int)Architecture}; supported: {Architectures.SupportedNames}");
        }
        var spec = Spec;
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(HeadDim, "head_dim");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (spec.Head == ModelHead.Score)
        {
            Positive(NumLabels, "num_labels");
        }
        if (NumAttentionHeads % NumKeyValueHeads != 0)
        {
            throw new SiftException($"{source}: num_attention_heads ({NumAttentionHeads}) must be a multiple of num_key_value_heads ({NumKeyValueHeads})");
        }
        if (HeadDim % 2 != 0)
        {
            throw new SiftException($"{source}: head_dim ({HeadDim}) must be even for rotary embeddings");
        }
        if (spec.Naming == TensorNaming.InternLM2 || spec.QkvBias)
        {
            // Neither family's modeling code reads head_dim: it is hidden_size / num_attention_heads.
            if ((long)HeadDim * NumAttentionHeads != HiddenSize)
            {
                throw new SiftException($"{source}: {spec.Name} needs hidden_size ({HiddenSize}) = num_attention_heads ({NumAttentionHeads}) × head_dim ({HeadDim})");
            }
        }
        if (!(RmsNormEps > 0) || float.IsInfinity(RmsNormEps))
        {
            throw new SiftException($"{source}: field 'rms_norm_eps' must be a positive number, got {RmsNormEps}");
        }
        if (!(RopeTheta > 0) || float.IsInfinity(RopeTheta))
        {
            throw new SiftException($"{source}: field 'rope_theta' must be a positive number, got {RopeTheta}");
        }
        ValidateRopeScaling(source, spec);
        if (SlidingWindow is int w && w <= 0)
        {
            throw new SiftException($"{source}: field 'sliding_window' must be a positive integer or null, got {w}");
        }
        if (MaxWindowLayers < 0)
        {
            throw new SiftException($"{source}: field 'max_window_layers' must be ≥ 0, got {MaxWindowLayers}");
        }
        CheckTokenId(BosTokenId, "bos_token_id");
        CheckTokenId(EosTokenId, "eos_token_id");
        CheckTokenId(PadTokenId, "pad_token_id");
        return this with
        {
            SlidingWindow = spec.Window == SlidingWindowRule.None ? null : SlidingWindow,
            UseSlidingWindow = spec.Window == SlidingWindowRule.UpperLayers && UseSlidingWindow,
            MaxWindowLayers = spec.Window == SlidingWindowRule.UpperLayers ? MaxWindowLayers : 28,
            NumLabels = spec.Head == ModelHead.Score ? NumLabels : 2,
        };

        void CheckTokenId(int? id, string field)
        {
            if (id is int t && (t < 0 || t >= VocabSize))
            {
                throw new SiftException($"{source}: {field} {t} is outside the vocabulary (0..{VocabSize - 1})");
            }
        }
    }

    private void ValidateRopeScaling(string source, ArchitectureSpec spec)
    {
        if (RopeScaling is not RopeScaling rs)
        {
            return;
        }
        if (!spec.RopeTypes.Contains(rs.Type))
        {
            throw new SiftException($"{source}: rope_scaling type '{rs.TypeName}' is not implemented by {spec.Name} (it implements {string.Join(", ", spec.RopeTypes.Select(t => new RopeScaling(t, 1).TypeName))})");
        }
        if (!(rs.Factor > 0) || float.IsInfinity(rs.Factor))
        {
            throw new SiftException($"{source}: field 'rope_scaling.factor' must be a positive number, got {rs.Factor}");
        }
        if (rs.Type == RopeScalingType.Llama3)
        {
            if (!(rs.LowFreqFactor > 0) || !(rs.HighFreqFactor > rs.LowFreqFactor))
            {
                throw new SiftException($"{source}: rope_scaling (llama3) needs 0 < low_freq_factor < high_freq_factor, got {rs.LowFreqFactor} and {rs.HighFreqFactor}");
            }
            if (rs.OriginalMaxPositionEmbeddings <= 0)
            {
                throw new SiftException($"{source}: field 'rope_scaling.original_max_position_embeddings' must be a positive integer, got {rs.OriginalMaxPositionEmbeddings}");
            }
        }
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

        var spec = ParseArchitecture(obj, source);
        string? act = Str(obj, "hidden_act", source);
        if (act is not null && act != "silu")
        {
            throw new SiftException($"{source}: hidden_act '{act}' is not supported; expected 'silu' (SwiGLU)");
        }
        var rejected = spec.Naming == TensorNaming.InternLM2
            ? new[] { ("bias", "wqkv/wo biases") }
            : new[] { ("attention_bias", "o_proj bias"), ("mlp_bias", "MLP biases"), ("use_mrope", "multimodal RoPE") };
        foreach (var (flag, what) in rejected)
        {
            if (Bool(obj, flag, source) == true)
            {
                throw new SiftException($"{source}: {flag}=true is not supported ({what}); {spec.Name} runs without it");
            }
        }

        int hidden = Int(obj, "hidden_size", source, required: true)!.Value;
        int heads = Int(obj, "num_attention_heads", source, required: true)!.Value;
        if (heads <= 0)
        {
            throw new SiftException($"{source}: field 'num_attention_heads' must be a positive integer, got {heads}");
        }
        bool readsHeadDim = spec.Naming == TensorNaming.Llama && !spec.QkvBias;
        var cfg = new LlamaConfig
        {
            Architecture = spec.Id,
            VocabSize = Int(obj, "vocab_size", source, required: true)!.Value,
            HiddenSize = hidden,
            IntermediateSize = Int(obj, "intermediate_size", source, required: true)!.Value,
            NumHiddenLayers = Int(obj, "num_hidden_layers", source, required: true)!.Value,
            NumAttentionHeads = heads,
            NumKeyValueHeads = Int(obj, "num_key_value_heads", source) ?? heads,
            HeadDim = (readsHeadDim ? Int(obj, "head_dim", source) : null) ?? hidden / heads,
            MaxPositionEmbeddings = Int(obj, "max_position_embeddings", source) ?? 2048,
            RmsNormEps = Float(obj, "rms_norm_eps", source) ?? 1e-6f,
            RopeTheta = Float(obj, "rope_theta", source) ?? 10000f,
            RopeScaling = ParseRopeScaling(obj, source),
            // transformers' defaults: Mistral and Qwen2 configs default sliding_window to 4096, Qwen2's max_window_layers to 28.
            SlidingWindow = spec.Window == SlidingWindowRule.None ? null : obj.ContainsKey("sliding_window") ? Int(obj, "sliding_window", source) : 4096,
            UseSlidingWindow = spec.Window == SlidingWindowRule.UpperLayers && (Bool(obj, "use_sliding_window", source) ?? false),
            MaxWindowLayers = spec.Window == SlidingWindowRule.UpperLayers ? Int(obj, "max_window_layers", source) ?? 28 : 28,
            TieWordEmbeddings = Bool(obj, "tie_word_embeddings", source) ?? false,
            NumLabels = spec.Head == ModelHead.Score ? ParseNumLabels(obj, source) : 2,
            BosTokenId = Int(obj, "bos_token_id", source),
            EosTokenId = IntOrFirst(obj, "eos_token_id", source),
            PadTokenId = Int(obj, "pad_token_id", source),
            TorchDtype = Str(obj, "torch_dtype", source) ?? "float32",
            AutoMapJson = obj["auto_map"] is JsonObject am ? am.ToJsonString() : null,
        };
        if (hidden % heads != 0 && (!readsHeadDim || obj["head_dim"] is null))
        {
            throw new SiftException($"{source}: hidden_size ({hidden}) is not divisible by num_attention_heads ({heads}){(readsHeadDim ? "; set head_dim" : "")}");
        }
        return cfg.Validate(source);
    }

    // architectures[0] names the class; a config without it falls back to model_type's causal LM.
    private static ArchitectureSpec ParseArchitecture(JsonObject obj, string source)
    {
        string? modelType = Str(obj, "model_type", source);
        ArchitectureSpec? spec;
        if (obj["architectures"] is JsonArray { Count: > 0 } archs)
        {
            string name = archs[0] is JsonNode n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>()
                : throw new SiftException($"{source}: field 'architectures' must hold class names, got {archs.ToJsonString()}");
            spec = Architectures.FindByName(name)
                ?? throw new SiftException($"{source}: architecture '{name}' is not supported; supported: {Architectures.SupportedNames}");
            if (modelType is not null && !spec.ModelTypes.Contains(modelType))
            {
                throw new SiftException($"{source}: model_type '{modelType}' does not match architecture {name} (expected {string.Join(" or ", spec.ModelTypes.Select(t => $"'{t}'"))})");
            }
            return spec;
        }
        spec = modelType is null ? Architectures.Of(ModelArchitecture.LlamaForCausalLM) : Architectures.CausalLmOfModelType(modelType);
        return spec ?? throw new SiftException($"{source}: model_type '{modelType}' is not supported; supported: {string.Join(", ", Architectures.All.SelectMany(s => s.ModelTypes).Distinct())}");
    }

    private static RopeScaling? ParseRopeScaling(JsonObject obj, string source)
    {
        if (obj["rope_scaling"] is not JsonNode node || node.GetValueKind() == JsonValueKind.Null)
        {
            return null;
        }
        if (node is not JsonObject rs)
        {
            throw new SiftException($"{source}: field 'rope_scaling' must be an object or null, got {node.ToJsonString()}");
        }
        string where = source + " rope_scaling";
        string type = Str(rs, "rope_type", where) ?? Str(rs, "type", where)
            ?? throw new SiftException($"{source}: rope_scaling has no 'rope_type' (or 'type'): {rs.ToJsonString()}");
        RopeScalingType kind;
        switch (type)
        {
            case "default":
                return null;
            case "linear":
                kind = RopeScalingType.Linear;
                break;
            case "dynamic":
                kind = RopeScalingType.Dynamic;
                break;
            case "llama3":
                kind = RopeScalingType.Llama3;
                break;
            default:
                throw new SiftException($"{source}: rope_scaling type '{type}' is not supported; supported: linear, dynamic, llama3");
        }
        float factor = Float(rs, "factor", where) ?? throw new SiftException($"{source}: rope_scaling ({type}) needs 'factor'");
        if (kind != RopeScalingType.Llama3)
        {
            return new RopeScaling(kind, factor);
        }
        float Need(string f) => Float(rs, f, where) ?? throw new SiftException($"{source}: rope_scaling (llama3) needs '{f}'");
        int original = Int(rs, "original_max_position_embeddings", where) ?? throw new SiftException($"{source}: rope_scaling (llama3) needs 'original_max_position_embeddings'");
        return new RopeScaling(kind, factor, Need("low_freq_factor"), Need("high_freq_factor"), original);
    }

    // transformers: num_labels = len(id2label) (2 by default); a num_labels key given to from_pretrained wins.
    private static int ParseNumLabels(JsonObject obj, string source)
    {
        if (Int(obj, "num_labels", source) is int n)
        {
            return n;
        }
        return obj["id2label"] is JsonObject labels ? labels.Count : 2;
    }

    /// <summary>Serialises to Hugging Face config.json text (what transformers' config class for the architecture reads).</summary>
    public string ToJson()
    {
        var spec = Spec;
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray(spec.Name),
            ["model_type"] = spec.ModelType,
        };
        if (AutoMapJson is not null)
        {
            o["auto_map"] = JsonNode.Parse(AutoMapJson);
        }
        o["vocab_size"] = VocabSize;
        o["hidden_size"] = HiddenSize;
        o["intermediate_size"] = IntermediateSize;
        o["num_hidden_layers"] = NumHiddenLayers;
        o["num_attention_heads"] = NumAttentionHeads;
        o["num_key_value_heads"] = NumKeyValueHeads;
        if (spec.Naming == TensorNaming.Llama && !spec.QkvBias)
        {
            o["head_dim"] = HeadDim;
        }
        o["max_position_embeddings"] = MaxPositionEmbeddings;
        o["rms_norm_eps"] = RmsNormEps;
        o["rope_theta"] = RopeTheta;
        o["rope_scaling"] = RopeScalingJson();
        o["hidden_act"] = "silu";
        if (spec.Naming == TensorNaming.InternLM2)
        {
            o["bias"] = false;
        }
        else
        {
            o["attention_dropout"] = 0.0;
        }
        if (spec.Window == SlidingWindowRule.None && spec.Naming == TensorNaming.Llama)
        {
            o["attention_bias"] = false;
            o["mlp_bias"] = false;
            o["pretraining_tp"] = 1;
        }
        if (spec.Window != SlidingWindowRule.None)
        {
            o["sliding_window"] = SlidingWindow;
        }
        if (spec.Window == SlidingWindowRule.UpperLayers)
        {
            o["use_sliding_window"] = UseSlidingWindow;
            o["max_window_layers"] = MaxWindowLayers;
        }
        o["tie_word_embeddings"] = TieWordEmbeddings;
        if (spec.Head == ModelHead.Score)
        {
            var id2label = new JsonObject();
            var label2id = new JsonObject();
            for (int i = 0; i < NumLabels; i++)
            {
                id2label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = $"LABEL_{i}";
                label2id[$"LABEL_{i}"] = i;
            }
            o["id2label"] = id2label;
            o["label2id"] = label2id;
        }
        o["initializer_range"] = 0.02;
        o["use_cache"] = true;
        o["torch_dtype"] = TorchDtype;
        if (BosTokenId is int b)
        {
            o["bos_token_id"] = b;
        }
        if (EosTokenId is int e)
        {
            o["eos_token_id"] = e;
        }
        if (PadTokenId is int p)
        {
            o["pad_token_id"] = p;
        }
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    // linear and dynamic as {type, factor} (what every transformers version and InternLM2's code read), llama3 with rope_type.
    private JsonObject? RopeScalingJson()
    {
        if (RopeScaling is not RopeScaling rs)
        {
            return null;
        }
        if (rs.Type != RopeScalingType.Llama3)
        {
            return new JsonObject { ["type"] = rs.TypeName, ["factor"] = rs.Factor };
        }
        return new JsonObject
        {
            ["factor"] = rs.Factor,
            ["low_freq_factor"] = rs.LowFreqFactor,
            ["high_freq_factor"] = rs.HighFreqFactor,
            ["original_max_position_embeddings"] = rs.OriginalMaxPositionEmbeddings,
            ["rope_type"] = rs.TypeName,
        };
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
