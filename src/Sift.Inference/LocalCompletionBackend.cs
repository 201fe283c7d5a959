namespace Sift.Inference;

/// <summary>Completions from a model on this machine (Sift's engine or llama.cpp), through the batched KV-cache generator.</summary>
public sealed class LocalCompletionBackend(IDecoderModel model, int maxBatch = 8, bool ownsModel = false) : ICompletionBackend
{
    private readonly TextGenerator _generator = new(model, maxBatch);
    // The engine uses every configured thread for one batch, so calls run one at a time.
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <inheritdoc />
    public string Name => model.Source;

    /// <inheritdoc />
    public async Task<TextCompletion[]> CompleteAsync(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default)
    {
        await _gate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => _generator.Complete(prompts, onDone, cancel), cancel).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _gate.Dispose();
        if (ownsModel)
        {
            model.Dispose();
        }
    }
}
