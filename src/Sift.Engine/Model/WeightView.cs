using Sift.Engine.Kernels;

namespace Sift.Engine.Model;

/// <summary>
/// Where a model's flat weights are and in which format: float32 (<see cref="F32"/>) or a 16-bit encoding
/// (<see cref="Half"/>), both indexed by the <see cref="ParameterLayout"/> offsets. Matrices are widened inside the
/// GEMV/GEMM (<see cref="Ops.Linear"/>); vectors (norm gains, biases) through <see cref="Floats"/>.
/// </summary>
public readonly unsafe struct WeightView
{
    internal WeightView(WeightFormat format, float* f32, ushort* half)
    {
        Format = format;
        F32 = f32;
        Half = half;
    }

    /// <summary>The resident format.</summary>
    public WeightFormat Format { get; }

    /// <summary>The float32 weights (null unless the format is F32).</summary>
    public float* F32 { get; }

    /// <summary>The 16-bit weights (null when the format is F32).</summary>
    public ushort* Half { get; }

    /// <summary>
    /// float32 values of elements [offset, offset + length): the weights themselves for F32, else widened into
    /// <paramref name="scratch"/> (which must hold <paramref name="length"/> floats).
    /// </summary>
    public float* Floats(long offset, int length, float* scratch)
    {
        if (Format == WeightFormat.F32)
        {
            return F32 + offset;
        }
        Widen.Row(Half + offset, scratch, length, Format);
        return scratch;
    }
}
