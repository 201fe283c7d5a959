using Sift.Core.IO;
using Sift.Engine.Inference;
using Sift.Engine.Ops;
using Sift.Inference;

namespace Sift.Pipelines.Selective;

/// <summary>
/// Window losses from any <see cref="IDecoderModel"/> (llama.cpp over a GGUF file): each window is prefilled on a
/// one-sequence KV-cache session and every row's loss read from its logits. Sift's own engine uses the faster batched
/// training-graph forward (<see cref="LocalWindowScorer"/>) instead.
/// </summary>
internal sealed class DecoderWindowScorer(IDecoderModel model) : IWindowScorer
{
    private IDecodeSession? _session;

    /// <inheritdoc />
    public string Identity { get; } = File.Exists(model.Source) ? Hashing.Sha256File(model.Source) : ScoresManifest.ModelHash(model.Source);

    /// <inheritdoc />
    public string Label { get; } = Path.GetFullPath(model.Source);

    /// <inheritdoc />
    public int? MaxWindow => model.ContextLength;

    /// <inheritdoc />
    public int? VocabSize => model.VocabSize;

    /// <inheritdoc />
    public int PreferredBatch => 8;

    /// <inheritdoc />
    public float[][] Score(IReadOnlyList<int[]> windows, int seqLen, CancellationToken cancel)
    {
        if (seqLen > model.ContextLength)
        {
            throw new ArgumentException($"windows of {seqLen} tokens exceed the model's context of {model.ContextLength}", nameof(seqLen));
        }
        _session ??= model.OpenSession(1, model.ContextLength);
        var last = new float[model.VocabSize];
        var result = new float[windows.Count][];
        for (int b = 0; b < windows.Count; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var win = windows[b];
            int len = win.Length - 1;
            if (len < 1 || len > seqLen)
            {
                throw new ArgumentException($"window {b} has {win.Length} tokens; expected 2..{seqLen + 1}", nameof(windows));
            }
            var losses = new float[len];
            _session.Reset(0);
            _session.Prefill(0, win.AsSpan(0, len), last, (j, row) => losses[j] = RowLogSoftmax.Loss(row, win[j + 1]));
            result[b] = losses;
        }
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => _session?.Dispose();
}
