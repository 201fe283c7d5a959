namespace Sift.Engine.Model;

/// <summary>The <c>rope_scaling</c> types the engine implements (transformers' names).</summary>
public enum RopeScalingType
{
    /// <summary>Position interpolation: angles divided by <c>factor</c>.</summary>
    Linear,

    /// <summary>Dynamic NTK: for a sequence longer than max_position_embeddings the base grows with its length.</summary>
    Dynamic,

    /// <summary>Llama-3.1's rewrite: low frequencies divided by <c>factor</c>, high ones kept, a smooth ramp between.</summary>
    Llama3,
}

/// <summary>A config's <c>rope_scaling</c> (null in the config means none).</summary>
/// <param name="Type">rope_type (or the older key type).</param>
/// <param name="Factor">factor.</param>
/// <param name="LowFreqFactor">low_freq_factor (llama3 only).</param>
/// <param name="HighFreqFactor">high_freq_factor (llama3 only).</param>
/// <param name="OriginalMaxPositionEmbeddings">original_max_position_embeddings (llama3 only).</param>
public sealed record RopeScaling(RopeScalingType Type, float Factor, float LowFreqFactor = 0, float HighFreqFactor = 0, int OriginalMaxPositionEmbeddings = 0)
{
    /// <summary>The name transformers uses for the type.</summary>
    public string TypeName => Type switch
    {
        RopeScalingType.Linear => "linear",
        RopeScalingType.Dynamic => "dynamic",
        _ => "llama3",
    };
}

/// <summary>
/// Rotary inverse frequencies as transformers computes them (float32, <c>rope_init_fn</c>s of
/// modeling_rope_utils): default, linear, dynamic (NTK) and llama3.
/// </summary>
public static class RopeFrequencies
{
    /// <summary>inv_freq[i] = 1 / θ^(2i/hd) in float32.</summary>
    public static float[] Default(int headDim, float theta)
    {
        var inv = new float[headDim / 2];
        Default(headDim, theta, inv);
        return inv;
    }

    private static void Default(int headDim, float theta, Span<float> inv)
    {
        for (int i = 0; i < inv.Length; i++)
        {
            inv[i] = 1f / MathF.Pow(theta, 2 * i / (float)headDim);
        }
    }

    /// <summary>The inverse frequencies [hd/2] a forward over sequences of <paramref name="contextLength"/> tokens uses.</summary>
    public static float[] For(LlamaConfig c, int contextLength)
    {
        var inv = new float[c.HeadDim / 2];
        For(c, contextLength, inv);
        return inv;
    }

    /// <summary>
    /// Writes the inverse frequencies [hd/2] for sequences of <paramref name="contextLength"/> tokens. Only dynamic
    /// scaling depends on the length: beyond max_position_embeddings the base becomes
    /// θ·(factor·L/max − (factor − 1))^(hd/(hd−2)).
    /// </summary>
    public static void For(LlamaConfig c, int contextLength, Span<float> inv)
    {
        var s = c.RopeScaling;
        int hd = c.HeadDim;
        if (inv.Length != hd / 2)
        {
            throw new ArgumentException($"expected {hd / 2} frequencies, got a span of {inv.Length}", nameof(inv));
        }
        if (s is null)
        {
            Default(hd, c.RopeTheta, inv);
            return;
        }
        switch (s.Type)
        {
            case RopeScalingType.Linear:
                Default(hd, c.RopeTheta, inv);
                if (c.Spec.LinearRope == LinearRopeStyle.DivideFrequencies)
                {
                    for (int i = 0; i < inv.Length; i++)
                    {
                        inv[i] /= s.Factor;
                    }
                }
                return;
            case RopeScalingType.Dynamic:
                int max = c.MaxPositionEmbeddings;
                float theta = contextLength <= max ? c.RopeTheta
                    : (float)(c.RopeTheta * Math.Pow(s.Factor * (double)contextLength / max - (s.Factor - 1), hd / (double)(hd - 2)));
                Default(hd, theta, inv);
                return;
            default:
                Default(hd, c.RopeTheta, inv);
                Llama3(inv, s);
                return;
        }
    }

    /// <summary>Positions are divided by this before multiplying by the frequencies (InternLM2's linear scaling), else 1.</summary>
    public static float PositionDivisor(LlamaConfig c) =>
        c.RopeScaling is { Type: RopeScalingType.Linear } s && c.Spec.LinearRope == LinearRopeStyle.DividePositions ? s.Factor : 1f;

    // transformers' _compute_llama3_parameters, element by element in float32, in place.
    private static void Llama3(Span<float> inv, RopeScaling s)
    {
        float factor = s.Factor, low = s.LowFreqFactor, high = s.HighFreqFactor, old = s.OriginalMaxPositionEmbeddings;
        float lowFreqWavelen = old / low, highFreqWavelen = old / high;
        for (int i = 0; i < inv.Length; i++)
        {
            float wavelen = 2f * MathF.PI / inv[i];
            float scaled = wavelen > lowFreqWavelen ? inv[i] / factor : inv[i];
            bool medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium)
            {
                float smooth = (old / wavelen - low) / (high - low);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[i] = scaled;
        }
    }
}
