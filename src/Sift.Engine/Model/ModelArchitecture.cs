namespace Sift.Engine.Model;

/// <summary>
/// The model architectures the engine runs, named as Hugging Face's <c>architectures[0]</c>. Every property of
/// an architecture lives in its <see cref="ArchitectureSpec"/>, registered once in <see cref="Architectures"/>.
/// </summary>
public enum ModelArchitecture
{
    /// <summary>Llama 1/2/3 (TinyLlama, Rho-1, DeepSeek-Math, Llama-3.1): pre-norm decoder, RoPE, GQA, SwiGLU.</summary>
    LlamaForCausalLM,

    /// <summary>Mistral: the Llama decoder with sliding-window attention.</summary>
    MistralForCausalLM,

    /// <summary>Qwen2 / Qwen2.5: the Llama decoder with q/k/v biases and an optional sliding window on upper layers.</summary>
    Qwen2ForCausalLM,

    /// <summary>InternLM2 (remote code): the Llama decoder with a fused, per-KV-head grouped <c>wqkv</c> and its own names.</summary>
    InternLM2ForCausalLM,

    /// <summary>A Llama decoder with a bias-free <c>score</c> head [num_labels, hidden] (reward models).</summary>
    LlamaForSequenceClassification,

    /// <summary>A Mistral decoder with a <c>score</c> head.</summary>
    MistralForSequenceClassification,

    /// <summary>A Qwen2 decoder with a <c>score</c> head.</summary>
    Qwen2ForSequenceClassification,
}

/// <summary>What sits on top of the final norm.</summary>
public enum ModelHead
{
    /// <summary>An LM head [vocab, hidden] (or the tied embedding) giving next-token logits.</summary>
    CausalLm,

    /// <summary>A <c>score</c> head [num_labels, hidden] without bias; the sequence score is read at its last non-pad token.</summary>
    Score,
}

/// <summary>Which tensor names a checkpoint uses.</summary>
public enum TensorNaming
{
    /// <summary>transformers' Llama names: <c>model.embed_tokens</c>, <c>self_attn.q_proj</c>, <c>mlp.gate_proj</c>, ...</summary>
    Llama,

    /// <summary>InternLM2's remote-code names: <c>model.tok_embeddings</c>, <c>attention.wqkv</c>, <c>feed_forward.w1</c>, <c>output</c>.</summary>
    InternLM2,
}

/// <summary>How a config turns on sliding-window attention.</summary>
public enum SlidingWindowRule
{
    /// <summary>The family has no sliding window (a <c>sliding_window</c> key is ignored, as transformers does).</summary>
    None,

    /// <summary><c>sliding_window</c> (default 4096, null for none) applies to every layer (Mistral).</summary>
    AllLayers,

    /// <summary>Only with <c>use_sliding_window</c>: <c>sliding_window</c> applies to layers ≥ <c>max_window_layers</c> (Qwen2).</summary>
    UpperLayers,
}

/// <summary>How linear RoPE scaling is applied (the two give the same angles up to float rounding).</summary>
public enum LinearRopeStyle
{
    /// <summary>transformers' current rope init: inv_freq ← inv_freq / factor.</summary>
    DivideFrequencies,

    /// <summary>InternLM2's remote code: positions ← positions / factor.</summary>
    DividePositions,
}

/// <summary>The properties of one architecture, used by the config parser, the layout and the kernels.</summary>
/// <param name="Id">The architecture.</param>
/// <param name="ModelTypes">Accepted <c>model_type</c> values; the first is written back.</param>
/// <param name="Head">LM head or score head.</param>
/// <param name="Naming">Checkpoint tensor names.</param>
/// <param name="QkvBias">q/k/v projections carry a bias (hard-coded in Qwen2's modeling code, not a config key).</param>
/// <param name="Window">How sliding-window attention is configured.</param>
/// <param name="RopeTypes">The <c>rope_scaling</c> types its modeling code implements.</param>
/// <param name="LinearRope">How linear RoPE scaling is applied.</param>
public sealed record ArchitectureSpec(
    ModelArchitecture Id,
    string[] ModelTypes,
    ModelHead Head,
    TensorNaming Naming,
    bool QkvBias,
    SlidingWindowRule Window,
    RopeScalingType[] RopeTypes,
    LinearRopeStyle LinearRope)
{
    /// <summary>The Hugging Face class name (config.json <c>architectures[0]</c>).</summary>
    public string Name => Id.ToString();

    /// <summary>The model_type written to config.json.</summary>
    public string ModelType => ModelTypes[0];
}

/// <summary>The registry of supported architectures (the one place that lists their properties).</summary>
public static class Architectures
{
    private static readonly RopeScalingType[] AllRope = [RopeScalingType.Linear, RopeScalingType.Dynamic, RopeScalingType.Llama3];

    private static readonly ArchitectureSpec[] Specs =
    [
        new(ModelArchitecture.LlamaForCausalLM, ["llama"], ModelHead.CausalLm, TensorNaming.Llama, false, SlidingWindowRule.None, AllRope, LinearRopeStyle.DivideFrequencies),
        new(ModelArchitecture.MistralForCausalLM, ["mistral"], ModelHead.CausalLm, TensorNaming.Llama, false, SlidingWindowRule.AllLayers, AllRope, LinearRopeStyle.DivideFrequencies),
        new(ModelArchitecture.Qwen2ForCausalLM, ["qwen2"], ModelHead.CausalLm, TensorNaming.Llama, true, SlidingWindowRule.UpperLayers, AllRope, LinearRopeStyle.DivideFrequencies),
        new(ModelArchitecture.InternLM2ForCausalLM, ["internlm2", "internlm"], ModelHead.CausalLm, TensorNaming.InternLM2, false, SlidingWindowRule.None,
            [RopeScalingType.Linear, RopeScalingType.Dynamic], LinearRopeStyle.DividePositions),
        new(ModelArchitecture.LlamaForSequenceClassification, ["llama"], ModelHead.Score, TensorNaming.Llama, false, SlidingWindowRule.None, AllRope, LinearRopeStyle.DivideFrequencies),
        new(ModelArchitecture.MistralForSequenceClassification, ["mistral"], ModelHead.Score, TensorNaming.Llama, false, SlidingWindowRule.AllLayers, AllRope, LinearRopeStyle.DivideFrequencies),
        new(ModelArchitecture.Qwen2ForSequenceClassification, ["qwen2"], ModelHead.Score, TensorNaming.Llama, true, SlidingWindowRule.UpperLayers, AllRope, LinearRopeStyle.DivideFrequencies),
    ];

    /// <summary>Every supported architecture.</summary>
    public static IReadOnlyList<ArchitectureSpec> All => Specs;

    /// <summary>The spec of an architecture.</summary>
    public static ArchitectureSpec Of(ModelArchitecture id) => Specs[(int)id];

    /// <summary>An architecture by its Hugging Face class name, or null.</summary>
    public static ArchitectureSpec? FindByName(string name) => Specs.FirstOrDefault(s => s.Name == name);

    /// <summary>The causal-LM architecture of a <c>model_type</c> (for configs without <c>architectures</c>), or null.</summary>
    public static ArchitectureSpec? CausalLmOfModelType(string modelType) =>
        Specs.FirstOrDefault(s => s.Head == ModelHead.CausalLm && s.ModelTypes.Contains(modelType));

    /// <summary>"LlamaForCausalLM, MistralForCausalLM, ..." for error messages.</summary>
    public static string SupportedNames => string.Join(", ", Specs.Select(s => s.Name));
}
