using Sift.Remote;

namespace Sift.Inference;

/// <summary>
/// Completions from an OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp, Ollama, `sift serve`) through
/// POST /v1/completions: the prompt's text or token ids as given (no chat template), its sampling settings and
/// seed, stop strings, and logprobs 0 for the generated tokens' logprobs. Every prompt is its own request, so a
/// fleet behind a load balancer spreads them; the endpoint bounds how many are in flight and retries transient
/// failures (429, 5xx, timeouts, a restarting server).
/// </summary>
public sealed class OpenAiCompletionBackend(RemoteEndpoint endpoint, bool ownsEndpoint = false) : ICompletionBackend
{
    private readonly CompletionsClient _client = new(endpoint);

    /// <summary>
    /// Ask for "token_id:N" token strings (vLLM's return_tokens_as_token_ids, also `sift serve`), so completions carry
    /// their ids. Turn off for servers that reject unknown fields; <see cref="TextCompletion.Tokens"/> is then empty.
    /// </summary>
    public bool RequestTokenIds { get; init; } = true;

    /// <inheritdoc />
    public string Name => $"{endpoint.Model}@{endpoint.BaseUri}";

    /// <summary>The served model name.</summary>
    public string Model => endpoint.Model;

    /// <inheritdoc />
    public async Task<TextCompletion[]> CompleteAsync(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default)
    {
        var results = new TextCompletion[prompts.Count];
        await Task.WhenAll(prompts.Select(async (p, i) =>
        {
            results[i] = await CompleteOneAsync(p, i, cancel).ConfigureAwait(false);
            onDone?.Invoke(i, results[i]);
        })).ConfigureAwait(false);
        return results;
    }

    private async Task<TextCompletion> CompleteOneAsync(TextPrompt p, int index, CancellationToken cancel)
    {
        var prompt = p.Tokens is { } ids ? CompletionPrompt.FromTokens(ids)
            : p.Text is { } text ? CompletionPrompt.FromText(text)
            : throw new Core.SiftException($"prompt {index}: give text or token ids");
        var r = await _client.CreateAsync(new CompletionRequest
        {
            Prompts = [prompt],
            MaxTokens = p.MaxTokens,
            Temperature = p.Sampling.Temperature,
            TopP = p.Sampling.TopP < 1 ? p.Sampling.TopP : null,
            TopK = p.Sampling.TopK > 0 ? p.Sampling.TopK : null,
            Seed = unchecked((long)p.Seed),
            Stop = p.Stop.Count > 0 ? p.Stop : null,
            Logprobs = 0,
            ReturnTokensAsTokenIds = RequestTokenIds ? true : null,
        }, cancel).ConfigureAwait(false);
        if (r.Choices.Count == 0)
        {
            throw new Core.SiftException($"{Name}: prompt {index}: the server returned no choices");
        }
        var c = r.Choices[0];
        int[] tokens = c.TokenIds ?? (c.Logprobs?.Tokens.Select(CompletionLogprobs.IdOf).ToArray() is { } parsed && parsed.All(x => x is not null)
            ? parsed.Select(x => x!.Value).ToArray()
            : []);
        float[] logprobs = c.Logprobs?.TokenLogprobs.Select(x => (float)(x ?? double.NaN)).ToArray() ?? [];
        return new TextCompletion(c.Text, tokens, logprobs, c.FinishReason ?? "", r.Usage?.PromptTokens ?? 0);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (ownsEndpoint)
        {
            endpoint.Dispose();
        }
    }
}
