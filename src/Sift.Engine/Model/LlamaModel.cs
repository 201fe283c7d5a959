using Sift.Core.Random;
using Sift.Engine.Ops;
using Sift.Engine.Tensors;

namespace Sift.Engine.Model;

/// <summary>A decoder model of any supported architecture: its config, its flat fp32 weights and the rotary tables.</summary>
public sealed unsafe class LlamaModel : IDisposable
{
    /// <summary>Creates a model with all weights zero (load or initialise next).</summary>
    public LlamaModel(LlamaConfig config)
    {
        Config = config.Validate();
        Layout = ParameterLayout.For(Config);
        Weights = new NativeBuffer(Layout.TotalLength);
        Rope = Rope.For(Config, Config.MaxPositionEmbeddings, Config.MaxPositionEmbeddings);
    }

    /// <summary>Hyper-parameters.</summary>
    public LlamaConfig Config { get; }

    /// <summary>Where each tensor lives in <see cref="Weights"/>.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>All parameters, flat.</summary>
    public NativeBuffer Weights { get; }

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
        foreach (var t in Layout.Tensors)
        {
            float* p = Weights.Ptr + t.Offset;
            if (t.Kind is ParamKind.Norm or ParamKind.Bias)
            {
                new Span<float>(p, (int)t.Length).Fill(t.Kind == ParamKind.Norm ? 1f : 0f);
                continue;
            }
            float s = residual.Contains(t.Offset) ? residualStd : std;
            for (long i = 0; i < t.Length; i++)
            {
                p[i] = (float)(rng.NextGaussian() * s);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => Weights.Dispose();
}
