using Sift.Core;
using Sift.Remote;

namespace Sift.Pipelines.Selective;

/// <summary>
/// Window losses from an OpenAI-compatible server (vLLM, `sift serve`): each window is one /v1/completions request
/// with the token ids as the prompt, echo, max_tokens 0 and logprobs 0, so the server returns the log-probability of
/// every prompt token given the ones before it (the first is null) and generates nothing. Requests run concurrently
/// up to the endpoint's bound and are retried on transient failures. The id-keyed vLLM field prompt_logprobs is
/// used when present (no token-string ambiguity), else the legacy token_logprobs. The served model must use the
/// dataset's tokenizer; prompt_token_ids, when returned, are checked against the window.
/// </summary>
internal sealed class RemoteWindowScorer : IWindowScorer
{
    private readonly CompletionsClient _client;
    private readonly bool _ownsEndpoint;

    /// <summary>Creates the scorer; <paramref name="maxModelLen"/> is the server's context (from /v1/models) when known.</summary>
    public RemoteWindowScorer(RemoteEndpoint endpoint, int? maxModelLen, int batch, bool ownsEndpoint = false)
    {
        _client = new CompletionsClient(endpoint);
        _ownsEndpoint = ownsEndpoint;
        // A window of T targets is a prompt of T + 1 tokens.
        MaxWindow = maxModelLen - 1;
        PreferredBatch = batch;
        Label = endpoint.Model;
    }

    /// <summary>Connects: asks the server for the model's context length, then creates the scorer.</summary>
    public static async Task<RemoteWindowScorer> ConnectAsync(RemoteEndpoint endpoint, int batch, CancellationToken cancel = default)
    {
        var info = await endpoint.DescribeModelAsync(cancel).ConfigureAwait(false);
        return new RemoteWindowScorer(endpoint, info.MaxModelLen, batch);
    }

    /// <inheritdoc />
    // Parts scored by different servers of one fleet share the served model name, not the endpoint.
    public string Identity => "served:" + Label;

    /// <inheritdoc />
    public string Label { get; }

    /// <inheritdoc />
    public int? MaxWindow { get; }

    /// <inheritdoc />
    public int? VocabSize => null;

    /// <inheritdoc />
    public int PreferredBatch { get; }

    /// <inheritdoc />
    public float[][] Score(IReadOnlyList<int[]> windows, int seqLen, CancellationToken cancel) =>
        Task.WhenAll(windows.Select(w => ScoreOneAsync(w, cancel))).GetAwaiter().GetResult();

    private async Task<float[]> ScoreOneAsync(int[] window, CancellationToken cancel)
    {
        var r = await _client.CreateAsync(new CompletionRequest
        {
            Prompts = [CompletionPrompt.FromTokens(window)],
            MaxTokens = 0,
            Echo = true,
            Logprobs = 0,
            Temperature = 0,
        }, cancel).ConfigureAwait(false);
        string where = $"{_client.Endpoint.BaseUri}completions (echo, {window.Length} prompt tokens)";
        if (r.Choices.Count != 1)
        {
            throw new SiftException($"{where}: expected 1 choice, got {r.Choices.Count}");
        }
        var c = r.Choices[0];
        if (c.PromptTokenIds is { } ids && !ids.AsSpan().SequenceEqual(window))
        {
            throw new SiftException($"{where}: the server's prompt_token_ids differ from the ids sent (it re-tokenized the prompt?)");
        }
        var losses = new float[window.Length - 1];
        if (c.PromptLogprobs is { } plp)
        {
            if (plp.Count != window.Length)
            {
                throw new SiftException($"{where}: prompt_logprobs has {plp.Count} entries for {window.Length} prompt tokens");
            }
            for (int i = 1; i < window.Length; i++)
            {
                if (plp[i] is not { } entry || !entry.TryGetValue(window[i], out var lp))
                {
                    throw new SiftException($"{where}: prompt_logprobs[{i}] has no entry for token {window[i]}");
                }
                losses[i - 1] = (float)-lp.Logprob;
            }
            return losses;
        }
        if (c.Logprobs is not { } legacy || legacy.TokenLogprobs.Length < window.Length)
        {
            throw new SiftException($"{where}: the response has no prompt logprobs; the server must support echo with logprobs (vLLM and `sift serve` do)");
        }
        for (int i = 1; i < window.Length; i++)
        {
            losses[i - 1] = legacy.TokenLogprobs[i] is double v
                ? (float)-v
                : throw new SiftException($"{where}: token_logprobs[{i}] is null");
        }
        return losses;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsEndpoint)
        {
            _client.Endpoint.Dispose();
        }
    }
}
