using Sift.Core;
using Sift.Remote;

namespace Sift.Rewards.Integrative;

/// <summary>
/// Integrative Decoding over an OpenAI-compatible server, approximately (§6.2): a server cannot merge logits across
/// requests, so each step sends the k prompts (with the continuation so far, as token ids) for one token with the
/// top-<c>topLogprobs</c> log-probs, sums each candidate's log-probs over the k rows, a row that left a candidate out
/// counting its smallest returned log-prob as a floor, and appends the argmax (ties: lowest id). Results are marked
/// <see cref="IntegrativeResult.Approximate"/>. One step costs k requests; the server's prefix cache keeps them cheap.
/// </summary>
internal sealed class RemoteIntegrativeDecoder(CompletionsClient client, int maxModelLen, int topLogprobs = 20)
{
    /// <summary>Connects: reads the served model's context from /v1/models.</summary>
    public static async Task<RemoteIntegrativeDecoder> ConnectAsync(RemoteEndpoint endpoint, int topLogprobs, CancellationToken cancel = default)
    {
        var info = await endpoint.DescribeModelAsync(cancel).ConfigureAwait(false);
        return new RemoteIntegrativeDecoder(new CompletionsClient(endpoint), info.MaxModelLen ?? throw new SiftException($"{endpoint.BaseUri}: /v1/models does not give max_model_len for {endpoint.Model}; integrative decoding needs the context length"), topLogprobs);
    }

    /// <summary>Decodes the shared continuation of <paramref name="prompts"/>.</summary>
    public async Task<IntegrativeResult> DecodeAsync(IReadOnlyList<int[]> prompts, int maxTokens, IReadOnlyCollection<int> stopTokens, CancellationToken cancel = default)
    {
        if (prompts.Count == 0 || prompts.Any(p => p.Length == 0))
        {
            throw new ArgumentException("integrative decoding needs at least one prompt, none empty");
        }
        int longest = prompts.Max(p => p.Length);
        if (longest >= maxModelLen)
        {
            throw new SiftException($"a prompt has {longest} tokens; the served model's context is {maxModelLen}, leaving no room to decode");
        }
        var output = new List<int>();
        while (output.Count < maxTokens && longest + output.Count < maxModelLen)
        {
            cancel.ThrowIfCancellationRequested();
            var rows = await Task.WhenAll(prompts.Select(p => TopAsync([.. p, .. output], cancel))).ConfigureAwait(false);
            int token = Merge(rows);
            if (stopTokens.Contains(token))
            {
                return new IntegrativeResult([.. output], "stop", true);
            }
            output.Add(token);
        }
        return new IntegrativeResult([.. output], "length", true);
    }

    /// <summary>The §6.2 merge: Σ_j (row_j[v], or row_j's minimum when v is missing); argmax, ties to the lowest id.</summary>
    internal static int Merge(IReadOnlyList<IReadOnlyDictionary<int, double>> rows)
    {
        var floors = rows.Select(r => r.Count == 0 ? throw new SiftException("the server returned no top logprobs for the next token") : r.Values.Min()).ToArray();
        int best = -1;
        double bestScore = double.NegativeInfinity;
        foreach (int v in rows.SelectMany(r => r.Keys).Distinct().Order())
        {
            double s = 0;
            for (int j = 0; j < rows.Count; j++)
            {
                s += rows[j].TryGetValue(v, out double lp) ? lp : floors[j];
            }
            if (s > bestScore)
            {
                (best, bestScore) = (v, s);
            }
        }
        return best;
    }

    // The top log-probs of the next token after `ids`, keyed by id.
    private async Task<IReadOnlyDictionary<int, double>> TopAsync(int[] ids, CancellationToken cancel)
    {
        var r = await client.CreateAsync(new CompletionRequest
        {
            Prompts = [CompletionPrompt.FromTokens(ids)],
            MaxTokens = 1,
            Logprobs = topLogprobs,
            Temperature = 0,
            ReturnTokensAsTokenIds = true,
        }, cancel).ConfigureAwait(false);
        string where = $"{client.Endpoint.BaseUri}completions ({ids.Length} prompt tokens)";
        if (r.Choices.Count != 1)
        {
            throw new SiftException($"{where}: expected 1 choice, got {r.Choices.Count}");
        }
        var c = r.Choices[0];
        if (c.Logprobs is not { TopLogprobs.Length: > 0 } lp || lp.TopLogprobs[0] is not { } top)
        {
            throw new SiftException($"{where}: the response has no top_logprobs for the generated token; the server must support logprobs (vLLM and `sift serve` do)");
        }
        var d = new Dictionary<int, double>();
        foreach (var (key, value) in top)
        {
            d[CompletionLogprobs.IdOf(key) ?? throw new SiftException($"{where}: top_logprobs key '{key}' is not \"token_id:N\"; the server must support return_tokens_as_token_ids (vLLM and `sift serve` do)")] = value;
        }
        return d;
    }
}
