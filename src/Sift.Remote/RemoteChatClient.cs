using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using OpenAI;
using OpenAI.Chat;

namespace Sift.Remote;

/// <summary>One chat message.</summary>
/// <param name="Role">"system", "user" or "assistant".</param>
/// <param name="Content">The text.</param>
public sealed record ChatTurn(string Role, string Content);

/// <summary>A chat completion request. Null fields are not sent.</summary>
public sealed record ChatRequest
{
    /// <summary>The conversation.</summary>
    public required IReadOnlyList<ChatTurn> Messages { get; init; }

    /// <summary>Most tokens to generate (sent as max_completion_tokens, as the SDK does).</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Sampling temperature (0 = greedy).</summary>
    public float? Temperature { get; init; }

    /// <summary>Nucleus mass.</summary>
    public float? TopP { get; init; }

    /// <summary>vLLM extra top_k (patched into the JSON; OpenAI itself rejects it).</summary>
    public int? TopK { get; init; }

    /// <summary>Sampling seed; <see cref="RemoteChatClient.SampleAsync"/> uses seed + j for sample j.</summary>
    public long? Seed { get; init; }

    /// <summary>Stop strings.</summary>
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>Return the logprob of each generated token.</summary>
    public bool Logprobs { get; init; }

    /// <summary>Alternatives per generated token (needs <see cref="Logprobs"/>).</summary>
    public int? TopLogprobs { get; init; }
}

/// <summary>One generated token's logprob and its alternatives.</summary>
/// <param name="Token">Token text.</param>
/// <param name="Logprob">log p.</param>
/// <param name="Top">The most likely alternatives (token, logprob).</param>
public sealed record ChatTokenLogprob(string Token, double Logprob, IReadOnlyList<KeyValuePair<string, double>> Top);

/// <summary>One chat completion.</summary>
/// <param name="Text">Assistant text.</param>
/// <param name="FinishReason">"stop", "length", ….</param>
/// <param name="Logprobs">Per-token logprobs when asked for.</param>
/// <param name="PromptTokens">Prompt tokens (as the server counted them).</param>
/// <param name="CompletionTokens">Generated tokens.</param>
public sealed record ChatSample(string Text, string FinishReason, IReadOnlyList<ChatTokenLogprob>? Logprobs, int PromptTokens, int CompletionTokens);

/// <summary>
/// Chat completions through the official OpenAI .NET SDK pointed at a custom endpoint (vLLM, Ollama, llama.cpp,
/// `sift serve`). The SDK's own retry is off: retries, timeouts and the concurrency bound are the
/// <see cref="RemoteEndpoint"/>'s (Polly), shared with <see cref="CompletionsClient"/>. The SDK models only the
/// first choice, so n samples are n requests with seeds s, s+1, … (which also spreads them over a fleet).
/// </summary>
public sealed class RemoteChatClient
{
    private readonly RemoteEndpoint _endpoint;

    /// <summary>Creates the SDK client on the endpoint's HTTP connection pool.</summary>
    public RemoteChatClient(RemoteEndpoint endpoint)
    {
        _endpoint = endpoint;
        var options = new OpenAIClientOptions
        {
            // The SDK appends "/chat/completions" itself.
            Endpoint = new Uri(endpoint.BaseUri.ToString().TrimEnd('/')),
            Transport = new HttpClientPipelineTransport(endpoint.Http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = endpoint.Options.RequestTimeout,
        };
        Sdk = new ChatClient(endpoint.Model, new ApiKeyCredential(endpoint.Options.ApiKey ?? "EMPTY"), options);
    }

    /// <summary>The underlying SDK client (for features not wrapped here).</summary>
    public ChatClient Sdk { get; }

    /// <summary>One completion (retried on transient failures).</summary>
    public Task<ChatSample> CompleteAsync(ChatRequest request, CancellationToken cancel = default) =>
        _endpoint.ExecuteAsync("POST chat/completions", async ct =>
        {
            ClientResult<ChatCompletion> r = await Sdk.CompleteChatAsync(Messages(request), Options(request, request.Seed), ct).ConfigureAwait(false);
            return ToSample(r.Value);
        }, cancel);

    /// <summary><paramref name="n"/> samples of one conversation (seed + j for sample j), run concurrently.</summary>
    public Task<ChatSample[]> SampleAsync(ChatRequest request, int n, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return Task.WhenAll(Enumerable.Range(0, n).Select(j =>
            CompleteAsync(request with { Seed = request.Seed is long s ? s + j : null }, cancel)));
    }

    /// <summary>
    /// Streams one completion. Failures before the first update are retried; a stream broken later throws.
    /// </summary>
    public async IAsyncEnumerable<StreamingChatCompletionUpdate> StreamAsync(ChatRequest request, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        using var slot = await _endpoint.AcquireAsync(cancel).ConfigureAwait(false);
        // Open the stream and read its first update inside the retry; the rest is read outside it.
        // The stream outlives the attempt, so it gets its own token source: the attempt's timeout may cancel it
        // only until the first update has arrived.
        CancellationTokenSource? live = null;
        var (enumerator, first) = await _endpoint.ExecuteAsync("POST chat/completions (stream)", async ct =>
        {
            live?.Dispose();
            live = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var e = Sdk.CompleteChatStreamingAsync(Messages(request), Options(request, request.Seed), live.Token).GetAsyncEnumerator(live.Token);
            try
            {
                using (ct.Register(static s => ((CancellationTokenSource)s!).Cancel(), live))
                {
                    bool any = await e.MoveNextAsync().ConfigureAwait(false);
                    return (e, any ? e.Current : null);
                }
            }
            catch
            {
                await e.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }, cancel, gated: false).ConfigureAwait(false);
        using var liveOwner = live;
        await using (enumerator.ConfigureAwait(false))
        {
            if (first is null)
            {
                yield break;
            }
            yield return first;
            while (await enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                yield return enumerator.Current;
            }
        }
    }

    private static List<ChatMessage> Messages(ChatRequest r) => r.Messages.Select(m => m.Role switch
    {
        "system" => (ChatMessage)new SystemChatMessage(m.Content),
        "user" => new UserChatMessage(m.Content),
        "assistant" => new AssistantChatMessage(m.Content),
        _ => throw new ArgumentException($"message role '{m.Role}': expected system, user or assistant", nameof(r)),
    }).ToList();

    private static ChatCompletionOptions Options(ChatRequest r, long? seed)
    {
        var o = new ChatCompletionOptions
        {
            Temperature = r.Temperature,
            TopP = r.TopP,
            MaxOutputTokenCount = r.MaxTokens,
        };
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK.
        o.Seed = seed;
#pragma warning restore OPENAI001
        foreach (string s in r.Stop ?? [])
        {
            o.StopSequences.Add(s);
        }
        if (r.Logprobs)
        {
            o.IncludeLogProbabilities = true;
            o.TopLogProbabilityCount = r.TopLogprobs;
        }
        if (r.TopK is int k)
        {
#pragma warning disable SCME0001 // JsonPatch is how the SDK sends fields it does not model.
            o.Patch.Set("$.top_k"u8, k);
#pragma warning restore SCME0001
        }
        return o;
    }

    internal static string FinishOf(ChatFinishReason? f) => f switch
    {
        ChatFinishReason.Stop => "stop",
        ChatFinishReason.Length => "length",
        ChatFinishReason.ContentFilter => "content_filter",
        ChatFinishReason.ToolCalls => "tool_calls",
        ChatFinishReason.FunctionCall => "function_call",
        _ => "",
    };

    private static ChatSample ToSample(ChatCompletion c)
    {
        string text = string.Concat(c.Content.Select(p => p.Text));
        IReadOnlyList<ChatTokenLogprob>? lps = c.ContentTokenLogProbabilities is { Count: > 0 } l
            ? l.Select(t => new ChatTokenLogprob(t.Token, t.LogProbability,
                t.TopLogProbabilities.Select(a => new KeyValuePair<string, double>(a.Token, a.LogProbability)).ToList())).ToList()
            : null;
        return new ChatSample(text, FinishOf(c.FinishReason), lps, c.Usage?.InputTokenCount ?? 0, c.Usage?.OutputTokenCount ?? 0);
    }
}
