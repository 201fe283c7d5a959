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

    /// <summary>A projection's bias vector [out].</summary>
    Bias,
}

/// <summary>One named tensor inside the flat parameter buffer.</summary>
/// <param name="Name">Checkpoint tensor name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="Offset">Element offset in the flat buffer.</param>
/// <param name="Shape">Shape as the checkpoint stores it ([out, in] for Linear).</param>
/// <param name="Kind">Tensor kind.</param>
/// <param name="StoredRows">
/// When the checkpoint orders rows differently from the buffer (InternLM2's grouped wqkv): the buffer row of each
/// stored row. Null when the orders agree.
/// </param>
public sealed record ParamTensor(string Name, long Offset, int[] Shape, ParamKind Kind, int[]? StoredRows = null)
{
    /// <summary>Element count.</summary>
    public long Length => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Elements per row (1 for a vector).</summary>
    public long RowLength => Shape.Length > 1 ? Length / Shape[0] : 1;

    /// <summary>The buffer element (relative to <see cref="Offset"/>) holding the checkpoint's flat element <paramref name="storedIndex"/>.</summary>
    public long BufferIndex(long storedIndex)
    {
        if (StoredRows is null)
        {
            return storedIndex;
        }
        long row = storedIndex / RowLength;
        return StoredRows[row] * RowLength + storedIndex % RowLength;
    }
}

/// <summary>Element offsets of one decoder layer's tensors in the flat buffer.</summary>
/// <param name="AttnNorm">Pre-attention RMSNorm gain [d].</param>
/// <param name="Qkv">q | k | v projections [QDim + 2·KvDim, d].</param>
/// <param name="QkvBias">q | k | v biases [QDim + 2·KvDim], or −1 when the architecture has none.</param>
/// <param name="O">Output projection [d, QDim].</param>
/// <param name="MlpNorm">Pre-MLP RMSNorm gain [d].</param>
/// <param name="GateUp">gate | up projections [2·F, d].</param>
/// <param name="Down">Down projection [d, F].</param>
/// <remarks>q, k and v are adjacent, so one GEMM against the [QDim + 2·KvDim, d] block computes all three;
/// gate and up are adjacent for the same reason.</remarks>
public readonly record struct LayerOffsets(long AttnNorm, long Qkv, long QkvBias, long O, long MlpNorm, long GateUp, long Down)
{
    /// <summary>True when the layer's q/k/v projections have biases.</summary>
    public bool HasQkvBias => QkvBias >= 0;
}

/// <summary>
/// The flat layout of every parameter (llm.c style): gradients and AdamW moments use the same offsets,
/// so the optimizer is one loop and a checkpoint is a dump of named ranges.
/// Order: embed, per layer [attn norm, q, k, v, (q, k, v biases), o, mlp norm, gate, up, down], final norm,
/// [head]. The names are the architecture's checkpoint names (<see cref="TensorNaming"/>).
/// </summary>
public sealed class ParameterLayout
{
    private ParameterLayout(LlamaConfig c)
    {
        Config = c;
        var spec = c.Spec;
        bool internLm = spec.Naming == TensorNaming.InternLM2;
        int d = c.HiddenSize, f = c.IntermediateSize, qkv = c.QDim + 2 * c.KvDim;
        long off = 0;
        var list = new List<ParamTensor>();
        ParamTensor Add(string name, ParamKind kind, int[] shape, int[]? storedRows = null)
        {
            var t = new ParamTensor(name, off, shape, kind, storedRows);
            off += t.Length;
            list.Add(t);
            return t;
        }

        Embedding = Add(internLm ? "model.tok_embeddings.weight" : "model.embed_tokens.weight", ParamKind.Embedding, [c.VocabSize, d]).Offset;
        Layers = new LayerOffsets[c.NumHiddenLayers];
        int[]? wqkvRows = internLm ? GroupedQkvRows(c) : null;
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            long an, q, bias = -1, o, mn, g, dn;
            if (internLm)
            {
                an = Add(p + "attention_norm.weight", ParamKind.Norm, [d]).Offset;
                q = Add(p + "attention.wqkv.weight", ParamKind.Linear, [qkv, d], wqkvRows).Offset;
                o = Add(p + "attention.wo.weight", ParamKind.Linear, [d, c.QDim]).Offset;
                mn = Add(p + "ffn_norm.weight", ParamKind.Norm, [d]).Offset;
                g = Add(p + "feed_forward.w1.weight", ParamKind.Linear, [f, d]).Offset;
                Add(p + "feed_forward.w3.weight", ParamKind.Linear, [f, d]);
                dn = Add(p + "feed_forward.w2.weight", ParamKind.Linear, [d, f]).Offset;
            }
            else
            {
                an = Add(p + "input_layernorm.weight", ParamKind.Norm, [d]).Offset;
                q = Add(p + "self_attn.q_proj.weight", ParamKind.Linear, [c.QDim, d]).Offset;
                Add(p + "self_attn.k_proj.weight", ParamKind.Linear, [c.KvDim, d]);
                Add(p + "self_attn.v_proj.weight", ParamKind.Linear, [c.KvDim, d]);
                if (spec.QkvBias)
                {
                    bias = Add(p + "self_attn.q_proj.bias", ParamKind.Bias, [c.QDim]).Offset;
                    Add(p + "self_attn.k_proj.bias", ParamKind.Bias, [c.KvDim]);
                    Add(p + "self_attn.v_proj.bias", ParamKind.Bias, [c.KvDim]);
                }
                o = Add(p + "self_attn.o_proj.weight", ParamKind.Linear, [d, c.QDim]).Offset;
                mn = Add(p + "post_attention_layernorm.weight", ParamKind.Norm, [d]).Offset;
                g = Add(p + "mlp.gate_proj.weight", ParamKind.Linear, [f, d]).Offset;
                Add(p + "mlp.up_proj.weight", ParamKind.Linear, [f, d]);
                dn = Add(p + "mlp.down_proj.weight", ParamKind.Linear, [d, f]).Offset;
            }
            Layers[l] = new LayerOffsets(an, q, bias, o, mn, g, dn);
        }
        FinalNorm = Add("model.norm.weight", ParamKind.Norm, [d]).Offset;
        TiedHeadName = internLm ? "output.weight" : "lm_head.weight";
        if (spec.Head == ModelHead.Score)
        {
            Head = Add("score.weight", ParamKind.Linear, [c.NumLabels, d]).Offset;
        }
        else
        {
            Head = c.TieWordEmbeddings ? Embedding : Add(TiedHeadName, ParamKind.Linear, [c.VocabSize, d]).Offset;
        }
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

    /// <summary>Offset of the head [HeadWidth, d]: the LM head (equals <see cref="Embedding"/> when tied) or the score head.</summary>
    public long Head { get; }

    /// <summary>The name an untied LM head has in this architecture's checkpoints (a tied checkpoint may still carry it).</summary>
    public string TiedHeadName { get; }

    /// <summary>Builds the layout for a config.</summary>
    public static ParameterLayout For(LlamaConfig config) => new(config);

    /// <summary>Finds a tensor by its checkpoint name, or null.</summary>
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

    /// <summary>
    /// InternLM2's wqkv stores, for each KV head g, the rows of its query heads g·G … g·G + G − 1, then k_g, then v_g
    /// (modeling_internlm2.py: rearrange "(h gs d)" with gs = G + 2). Returns the buffer row (q | k | v order) of each
    /// stored row.
    /// </summary>
    internal static int[] GroupedQkvRows(LlamaConfig c)
    {
        int hd = c.HeadDim, group = c.GroupSize, kv = c.NumKeyValueHeads;
        var rows = new int[c.QDim + 2 * c.KvDim];
        int s = 0;
        for (int g = 0; g < kv; g++)
        {
            for (int slot = 0; slot < group + 2; slot++)
            {
                int start = slot < group ? (g * group + slot) * hd
                    : slot == group ? c.QDim + g * hd
                    : c.QDim + c.KvDim + g * hd;
                for (int r = 0; r < hd; r++)
                {
                    rows[s++] = start + r;
                }
            }
        }
        return rows;
    }
}
