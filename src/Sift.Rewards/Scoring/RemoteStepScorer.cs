using Sift.Core;
using Sift.Remote;

namespace Sift.Rewards.Scoring;

/// <summary>
/// Reward-model scoring over an OpenAI-compatible server (vLLM, `sift serve`) from prompt logprobs: each prompt is
/// one /v1/completions request with the token ids, <c>echo</c>, <c>logprobs</c> = top-k and <c>max_tokens</c> 0, so
/// the entry of prompt token r + 1 holds the distribution after row r. When a step's row is the last token (a
/// Math-Shepherd tag at the very end), one token is generated (<c>max_tokens</c> 1, greedy) and its top-k is that
/// row's. vLLM's id-keyed <c>prompt_logprobs</c> are used when sent, else the legacy <c>top_logprobs</c> with
/// <c>return_tokens_as_token_ids</c> keys. A label outside the top-k is reported missing, not estimated.
/// </summary>
internal sealed class RemoteStepScorer(RemoteEndpoint endpoint, int maxModelLen, int topLogprobs, bool ownsEndpoint = false) : IStepScorer
{
    private readonly CompletionsClient _client = new(endpoint);

    /// <summary>Connects: reads the served model's context from /v1/models.</summary>
    public static async Task<RemoteStepScorer> ConnectAsync(RemoteEndpoint endpoint, int topLogprobs, bool ownsEndpoint, CancellationToken cancel = default)
    {
        var info = await endpoint.DescribeModelAsync(cancel).ConfigureAwait(false);
        return new RemoteStepScorer(endpoint, info.MaxModelLen ?? throw new SiftException($"{endpoint.BaseUri}: /v1/models does not give max_model_len for {endpoint.Model}; the scorer needs the context length"),
            topLogprobs, ownsEndpoint);
    }

    /// <inheritdoc />
    public string Identity => $"served:{endpoint.Model}";

    // One place is kept for the generated token a final-row step needs.
    /// <inheritdoc />
    public int MaxTokens => maxModelLen - 1;

    /// <inheritdoc />
    public Task ScoreAsync(IReadOnlyList<RmPrompt> prompts, LabelTokens labels, Action<int, StepReadout> onDone, CancellationToken cancel) =>
        Task.WhenAll(prompts.Select(async (p, i) => onDone(i, await ScoreOneAsync(p, labels, cancel).ConfigureAwait(false))));

    private async Task<StepReadout> ScoreOneAsync(RmPrompt p, LabelTokens labels, CancellationToken cancel)
    {
        int n = p.Tokens.Length;
        bool lastRow = p.Rows.Length > 0 && p.Rows[^1] == n - 1;
        var r = await _client.CreateAsync(new CompletionRequest
        {
            Prompts = [CompletionPrompt.FromTokens(p.Tokens)],
            MaxTokens = lastRow ? 1 : 0,
            Echo = true,
            Logprobs = topLogprobs,
            Temperature = 0,
            ReturnTokensAsTokenIds = true,
        }, cancel).ConfigureAwait(false);
        string where = $"{endpoint.BaseUri}completions (echo, {n} prompt tokens)";
        if (r.Choices.Count != 1)
        {
            throw new SiftException($"{where}: expected 1 choice, got {r.Choices.Count}");
        }
        var c = r.Choices[0];
        if (c.PromptTokenIds is { } ids && !ids.AsSpan().SequenceEqual(p.Tokens))
        {
            throw new SiftException($"{where}: the server's prompt_token_ids differ from the ids sent (it re-tokenized the prompt?)");
        }
        var good = new double?[p.Rows.Length];
        var bad = new double?[p.Rows.Length];
        for (int k = 0; k < p.Rows.Length; k++)
        {
            var entry = Entry(c, p.Rows[k] + 1, n, where);
            good[k] = entry.TryGetValue(labels.Good, out double g) ? g : null;
            bad[k] = entry.TryGetValue(labels.Bad, out double b) ? b : null;
        }
        return new StepReadout(good, bad);
    }

    // The distribution over token `index` (a prompt position, or n for the generated token), keyed by id.
    private static IReadOnlyDictionary<int, double> Entry(CompletionChoice c, int index, int n, string where)
    {
        if (index < n && c.PromptLogprobs is { } plp)
        {
            if (plp.Count != n)
            {
                throw new SiftException($"{where}: prompt_logprobs has {plp.Count} entries for {n} prompt tokens");
            }
            return plp[index] is { } e ? e.ToDictionary(x => x.Key, x => x.Value.Logprob)
                : throw new SiftException($"{where}: prompt_logprobs[{index}] is null");
        }
        if (c.Logprobs is not { } legacy || legacy.TopLogprobs.Length <= index)
        {
            throw new SiftException(index < n
                ? $"{where}: the response has no top logprobs for prompt token {index}; the server must support echo with logprobs (vLLM and `sift serve` do)"
                : $"{where}: the response has no logprobs for the generated token");
        }
        if (legacy.TopLogprobs[index] is not { } top)
        {
            throw new SiftException($"{where}: top_logprobs[{index}] is null");
        }
        var d = new Dictionary<int, double>(top.Count);
        foreach (var (key, lp) in top)
        {
            d[CompletionLogprobs.IdOf(key) ?? throw new SiftException($"{where}: top_logprobs key '{key}' is not \"token_id:N\"; the server must support return_tokens_as_token_ids (vLLM and `sift serve` do)")] = lp;
        }
        return d;
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
