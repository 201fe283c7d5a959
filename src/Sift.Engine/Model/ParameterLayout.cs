namespace Sift.Engine.Model;

/// <summary>What kind of tensor a parameter is (drives weight-decay exclusion and initialisation).</summary>
public enum ParamKind
{
    /// <summary>Token embedding matrix (also the head when tied).</summary>
    Embedding,

    /// <summary>RMSNorm gain vector.</summary>
    Norm,

    /// <summary>A projection matrix [out, in].</summary>
    Linear,
}

/// <summary>One named tensor inside the flat parameter buffer.</summary>
/// <param name="Name">Hugging Face tensor name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="Offset">Element offset in the flat buffer.</param>
/// <param name="Shape">Shape as Hugging Face stores it ([out, in] for Linear).</param>
/// <param name="Kind">Tensor kind.</param>
public sealed record ParamTensor(string Name, long Offset, int[] Shape, ParamKind Kind)
{
    /// <summary>Element count.</summary>
    public long Length => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>Element offsets of one decoder layer's tensors in the flat buffer.</summary>
/// <remarks>q, k and v are adjacent, so one GEMM against the [QDim + 2·KvDim, d] block computes all three;
/// gate and up are adjacent for the same reason.</remarks>
public readonly record struct LayerOffsets(long AttnNorm, long Qkv, long O, long MlpNorm, long GateUp, long Down);

/// <summary>
/// The flat layout of every parameter (llm.c style): gradients and AdamW moments use the same offsets,
/// so the optimizer is one loop and a checkpoint is a dump of named ranges.
/// Order: embed, per layer [attn norm, q, k, v, o, mlp norm, gate, up, down], final norm, [lm_head].
/// </summary>
public sealed class ParameterLayout
{
    private ParameterLayout(LlamaConfig c)
    {
        Config = c;
        int d = c.HiddenSize;
        long off = 0;
        var list = new List<ParamTensor>();
        ParamTensor Add(string name, ParamKind kind, params int[] shape)
        {
            var t = new ParamTensor(name, off, shape, kind);
            off += t.Length;
            list.Add(t);
            return t;
        }

        Embedding = Add("model.embed_tokens.weight", ParamKind.Embedding, c.VocabSize, d).Offset;
        Layers = new LayerOffsets[c.NumHiddenLayers];
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            long an = Add(p + "input_layernorm.weight", ParamKind.Norm, d).Offset;
            long q = Add(p + "self_attn.q_proj.weight", ParamKind.Linear, c.QDim, d).Offset;
            Add(p + "self_attn.k_proj.weight", ParamKind.Linear, c.KvDim, d);
            Add(p + "self_attn.v_proj.weight", ParamKind.Linear, c.KvDim, d);
            long o = Add(p + "self_attn.o_proj.weight", ParamKind.Linear, d, c.QDim).Offset;
            long mn = Add(p + "post_attention_layernorm.weight", ParamKind.Norm, d).Offset;
            long g = Add(p + "mlp.gate_proj.weight", ParamKind.Linear, c.IntermediateSize, d).Offset;
            Add(p + "mlp.up_proj.weight", ParamKind.Linear, c.IntermediateSize, d);
            long dn = Add(p + "mlp.down_proj.weight", ParamKind.Linear, d, c.IntermediateSize).Offset;
            Layers[l] = new LayerOffsets(an, q, o, mn, g, dn);
        }
        FinalNorm = Add("model.norm.weight", ParamKind.Norm, d).Offset;
        LmHead = c.TieWordEmbeddings ? Embedding : Add("lm_head.weight", ParamKind.Linear, c.VocabSize, d).Offset;
        Tensors = list;
        TotalLength = off;
    }

    /// <summary>The config this layout was made for.</summary>
    public LlamaConfig Config { get; }

    /// <summary>All tensors in buffer order.</summary>
    public IReadOnlyList<ParamTensor> Tensors { get; }

    /// <summary>Total number of floats.</summary>
    public long TotalLength { get; }

    /// <summary>Offset of the embedding matrix [V, d].</summary>
    public long Embedding { get; }

    /// <summary>Per-layer offsets.</summary>
    public LayerOffsets[] Layers { get; }

    /// <summary>Offset of the final norm [d].</summary>
    public long FinalNorm { get; }

    /// <summary>Offset of the LM head [V, d] (equals <see cref="Embedding"/> when tied).</summary>
    public long LmHead { get; }

    /// <summary>Builds the layout for a config.</summary>
    public static ParameterLayout For(LlamaConfig config) => new(config);

    /// <summary>Finds a tensor by its Hugging Face name, or null.</summary>
    public ParamTensor? Find(string name)
    {
        foreach (var t in Tensors)
        {
            if (t.Name == name)
            {
                return t;
            }
        }
        return null;
    }
}
