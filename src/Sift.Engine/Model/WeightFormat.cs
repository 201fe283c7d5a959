using Sift.Core;
using Sift.Engine.IO;

namespace Sift.Engine.Model;

/// <summary>The number format a model's weights are resident in.</summary>
public enum WeightFormat
{
    /// <summary>float32: what training needs (and the default).</summary>
    F32,

    /// <summary>bfloat16, widened to float32 inside the kernels (inference only).</summary>
    BF16,

    /// <summary>IEEE float16, widened to float32 inside the kernels (inference only).</summary>
    F16,
}

/// <summary>Names and sizes of <see cref="WeightFormat"/>.</summary>
public static class WeightFormats
{
    /// <summary>Bytes per weight.</summary>
    public static int ElementSize(this WeightFormat f) => f == WeightFormat.F32 ? 4 : 2;

    /// <summary>The safetensors dtype of the same encoding.</summary>
    public static SafeTensorsDType ToDType(this WeightFormat f) => f switch
    {
        WeightFormat.BF16 => SafeTensorsDType.BF16,
        WeightFormat.F16 => SafeTensorsDType.F16,
        _ => SafeTensorsDType.F32,
    };

    /// <summary>The CLI spelling: f32, bf16, f16.</summary>
    public static string Name(this WeightFormat f) => f.ToString().ToLowerInvariant();

    /// <summary>Parses f32 | bf16 | f16 (as given to <c>--weights</c>); <paramref name="what"/> names the option in errors.</summary>
    public static WeightFormat Parse(string text, string what = "--weights") => text.ToLowerInvariant() switch
    {
        "f32" or "fp32" or "float32" => WeightFormat.F32,
        "bf16" or "bfloat16" => WeightFormat.BF16,
        "f16" or "fp16" or "float16" => WeightFormat.F16,
        _ => throw new SiftException($"{what}: '{text}' is not a weight format; expected f32, bf16 or f16"),
    };
}
