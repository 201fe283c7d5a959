using Sift.Engine.Model;

namespace Sift.Pipelines.Training;

/// <summary>
/// Recipe overrides of a preset's or config file's fields (Hugging Face names under <c>model.</c>); null keeps the
/// base value. Changing the width or head count re-derives head_dim (hidden / heads) unless head_dim is set, and a
/// head count on a multi-head preset keeps it multi-head (key/value heads follow) unless num_key_value_heads is set.
/// </summary>
internal sealed record ModelOverrides
{
    /// <summary>vocab_size (default: the data's vocabulary).</summary>
    public int? VocabSize { get; init; }

    /// <summary>hidden_size.</summary>
    public int? HiddenSize { get; init; }

    /// <summary>intermediate_size.</summary>
    public int? IntermediateSize { get; init; }

    /// <summary>num_hidden_layers.</summary>
    public int? NumHiddenLayers { get; init; }

    /// <summary>num_attention_heads.</summary>
    public int? NumAttentionHeads { get; init; }

    /// <summary>num_key_value_heads.</summary>
    public int? NumKeyValueHeads { get; init; }

    /// <summary>head_dim.</summary>
    public int? HeadDim { get; init; }

    /// <summary>max_position_embeddings.</summary>
    public int? MaxPositionEmbeddings { get; init; }

    /// <summary>rope_theta.</summary>
    public double? RopeTheta { get; init; }

    /// <summary>rms_norm_eps.</summary>
    public double? RmsNormEps { get; init; }

    /// <summary>tie_word_embeddings.</summary>
    public bool? TieWordEmbeddings { get; init; }

    /// <summary>Applies the set fields to <paramref name="c"/> (which started as <paramref name="preset"/>).</summary>
    public LlamaConfig ApplyTo(LlamaConfig c, LlamaConfig preset)
    {
        c = c with
        {
            VocabSize = VocabSize ?? c.VocabSize,
            HiddenSize = HiddenSize ?? c.HiddenSize,
            IntermediateSize = IntermediateSize ?? c.IntermediateSize,
            NumHiddenLayers = NumHiddenLayers ?? c.NumHiddenLayers,
            NumAttentionHeads = NumAttentionHeads ?? c.NumAttentionHeads,
            NumKeyValueHeads = NumKeyValueHeads ?? (NumAttentionHeads is int h && preset.NumKeyValueHeads == preset.NumAttentionHeads ? h : c.NumKeyValueHeads),
            MaxPositionEmbeddings = MaxPositionEmbeddings ?? c.MaxPositionEmbeddings,
            RopeTheta = RopeTheta is double t ? (float)t : c.RopeTheta,
            RmsNormEps = RmsNormEps is double e ? (float)e : c.RmsNormEps,
            TieWordEmbeddings = TieWordEmbeddings ?? c.TieWordEmbeddings,
        };
        bool reshaped = HiddenSize is not null || NumAttentionHeads is not null;
        return c with { HeadDim = HeadDim ?? (reshaped ? c.HiddenSize / c.NumAttentionHeads : c.HeadDim) };
    }
}
