using Sift.Engine;
using Sift.Engine.Model;
using Sift.Engine.Ops;

namespace Sift.Pipelines.Selective;

/// <summary>Window losses from the local engine: the training graph's forward pass, <c>batch</c> windows at a time.</summary>
internal sealed class LocalWindowScorer(LlamaModel model, Compute compute, string modelDir, int batch = 8) : IWindowScorer
{
    private TrainingGraph? _graph;
    private int _graphLen;

    /// <inheritdoc />
    public string Identity { get; } = ScoresManifest.ModelHash(modelDir);

    /// <inheritdoc />
    public string Label { get; } = Path.GetFullPath(modelDir);

    /// <inheritdoc />
    public int? MaxWindow => model.Config.MaxPositionEmbeddings;

    /// <inheritdoc />
    public int? VocabSize => model.Config.VocabSize;

    /// <inheritdoc />
    public int PreferredBatch => batch;

    /// <inheritdoc />
    public float[][] Score(IReadOnlyList<int[]> windows, int seqLen, CancellationToken cancel)
    {
        int T = seqLen;
        if (_graph is null || _graphLen != T)
        {
            _graph?.Dispose();
            _graph = new TrainingGraph(model, batch, T, compute, forwardOnly: true);
            _graphLen = T;
        }
        var result = new float[windows.Count][];
        var inputs = new int[batch * T];
        var targets = new int[batch * T];
        for (int w0 = 0; w0 < windows.Count; w0 += batch)
        {
            cancel.ThrowIfCancellationRequested();
            int nb = Math.Min(batch, windows.Count - w0);
            Array.Fill(inputs, 0);
            Array.Fill(targets, CrossEntropy.IgnoreIndex);
            for (int b = 0; b < nb; b++)
            {
                var win = windows[w0 + b];
                int len = win.Length - 1;
                if (len < 1 || len > T)
                {
                    throw new ArgumentException($"window {w0 + b} has {win.Length} tokens; expected 2..{T + 1}", nameof(windows));
                }
                win.AsSpan(0, len).CopyTo(inputs.AsSpan(b * T));
                win.AsSpan(1, len).CopyTo(targets.AsSpan(b * T));
            }
            _graph.Forward(inputs, targets, forBackward: false);
            for (int b = 0; b < nb; b++)
            {
                int len = windows[w0 + b].Length - 1;
                result[w0 + b] = _graph.Losses.AsSpan(b * T, len).ToArray();
            }
        }
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => _graph?.Dispose();
}
