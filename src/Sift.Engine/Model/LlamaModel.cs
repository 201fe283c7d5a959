using Sift.Core.Random;
using Sift.Engine.IO;
using Sift.Engine.Ops;
using Sift.Engine.Tensors;

namespace Sift.Engine.Model;

/// <summary>
/// A decoder model of any supported architecture: its config, its flat weights and the rotary tables. Weights are
/// float32 (training and inference) or resident in bfloat16 / float16 (inference: half the memory and half the bytes
/// a decode step streams; widened to float32 inside the kernels).
/// </summary>
public sealed unsafe class LlamaModel : IDisposable
{
    private readonly NativeBuffer? _f32;
    private readonly HalfBuffer? _half;

    /// <summary>Creates a model with all weights zero (load or initialise next), resident in <paramref name="format"/>.</summary>
    public LlamaModel(LlamaConfig config, WeightFormat format = WeightFormat.F32)
    {
        Config = config.Validate();
        Layout = ParameterLayout.For(Config);
        Format = format;
        if (format == WeightFormat.F32)
        {
            _f32 = new NativeBuffer(Layout.TotalLength);
        }
        else
        {
            _half = new HalfBuffer(Layout.TotalLength);
        }
        Rope = Rope.For(Config, Config.MaxPositionEmbeddings, Config.MaxPositionEmbeddings);
    }

    /// <summary>Hyper-parameters.</summary>
    public LlamaConfig Config { get; }

    /// <summary>Where each tensor lives in <see cref="Weights"/>.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>The format the weights are resident in.</summary>
    public WeightFormat Format { get; }

    /// <summary>All parameters, flat, in float32; only a float32 model has them (training needs them).</summary>
    public NativeBuffer Weights => _f32 ?? throw new InvalidOperationException(
        $"the model's weights are resident in {Format.Name()}; this needs float32 weights (load the model with --weights f32)");

    /// <summary>All parameters, flat, in 16 bits (null for a float32 model).</summary>
    public HalfBuffer? HalfWeights => _half;

    /// <summary>The weights for the kernels, whatever their format.</summary>
    public WeightView View => _f32 is not null ? new WeightView(WeightFormat.F32, _f32.Ptr, null) : new WeightView(Format, null, _half!.Ptr);

    /// <summary>Bytes of resident weights.</summary>
    public long WeightBytes => Layout.TotalLength * Format.ElementSize();

    /// <summary>Rotary cos/sin tables for [0, max_position_embeddings) (grown on demand).</summary>
    public Rope Rope { get; }

    /// <summary>
    /// Initialises like GPT-2/transformers: N(0, 0.02) for embeddings and projections, norms at 1, biases at 0,
    /// and the residual output projections (o_proj, down_proj) scaled by 1/√(2L) so the residual stream's
    /// variance does not grow with depth.
    /// </summary>
    public void InitRandom(ulong seed, float std = 0.02f)
    {
        var rng = new Rng(seed);
        float residualStd = std / MathF.Sqrt(2f * Config.NumHiddenLayers);
        var residual = Layout.Layers.SelectMany(l => new[] { l.O, l.Down }).ToHashSet();
        var chunk = _f32 is null ? new float[1 << 16] : null;
        foreach (var t in Layout.Tensors)
        {
            float s = residual.Contains(t.Offset) ? residualStd : std;
            for (long start = 0; start < t.Length; start += 1 << 16)
            {
                int n = (int)Math.Min(1 << 16, t.Length - start);
                var dst = chunk is null ? new Span<float>(_f32!.Ptr + t.Offset + start, n) : chunk.AsSpan(0, n);
                if (t.Kind is ParamKind.Norm or ParamKind.Bias)
                {
                    dst.Fill(t.Kind == ParamKind.Norm ? 1f : 0f);
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        dst[i] = (float)(rng.NextGaussian() * s);
                    }
                }
                if (_half is not null)
                {
                    FloatConversions.FromFloat32(Format.ToDType(), dst, new Span<byte>(_half.Ptr + t.Offset + start, 2 * n));
                }
            }
        }
    }

    /// <summary>
    /// Writes float32 values into the weights at element <paramref name="offset"/>, rounded to nearest even when the
    /// weights are 16-bit (initialisation, tools). Safe to call concurrently on disjoint ranges.
    /// </summary>
    public void SetWeights(long offset, ReadOnlySpan<float> values)
    {
        if (offset < 0 || offset + values.Length > Layout.TotalLength)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"range [{offset}, {offset + values.Length}) is outside the {Layout.TotalLength} weights");
        }
        if (_f32 is not null)
        {
            values.CopyTo(new Span<float>(_f32.Ptr + offset, values.Length));
            return;
        }
        FloatConversions.FromFloat32(Format.ToDType(), values, new Span<byte>(_half!.Ptr + offset, 2 * values.Length));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _f32?.Dispose();
        _half?.Dispose();
    }
}
