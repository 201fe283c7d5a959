using System.Runtime.CompilerServices;
using AI = Microsoft.Extensions.AI;

namespace Sift.Remote;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="AI.IChatClient"/> over an OpenAI-compatible endpoint (vLLM, Ollama,
/// llama.cpp, `sift serve`), so code written against the abstraction (the data agents) runs on any of them. Requests go
/// through <see cref="RemoteChatClient"/>, so retries, timeouts and the concurrency bound are the endpoint's.
/// Text messages only: tools and images are refused with a clear error rather than dropped.
/// </summary>
public sealed class EndpointChatClient : AI.IChatClient
{
    private readonly RemoteEndpoint _endpoint;
    private readonly RemoteChatClient _chat;
    private readonly bool _ownsEndpoint;

    /// <summary>Wraps <paramref name="endpoint"/>; disposing this client disposes it when <paramref name="ownsEndpoint"/>.</summary>
    public EndpointChatClient(RemoteEndpoint endpoint, bool ownsEndpoint = false)
    {
        _endpoint = endpoint;
        _chat = new RemoteChatClient(endpoint);
        _ownsEndpoint = ownsEndpoint;
        Metadata = new AI.ChatClientMetadata("openai-compatible", endpoint.BaseUri, endpoint.Model);
    }

    /// <summary>Provider "openai-compatible", the endpoint's address and served model.</summary>
    public AI.ChatClientMetadata Metadata { get; }

    /// <inheritdoc />
    public async Task<AI.ChatResponse> GetResponseAsync(IEnumerable<AI.ChatMessage> messages, AI.ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var sample = await _chat.CompleteAsync(Request(messages, options), cancellationToken).ConfigureAwait(false);
        return new AI.ChatResponse(new AI.ChatMessage(AI.ChatRole.Assistant, sample.Text))
        {
            ModelId = _endpoint.Model,
            FinishReason = Finish(sample.FinishReason),
            Usage = new AI.UsageDetails
            {
                InputTokenCount = sample.PromptTokens,
                OutputTokenCount = sample.CompletionTokens,
                TotalTokenCount = sample.PromptTokens + sample.CompletionTokens,
            },
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AI.ChatMessage> messages, AI.ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var u in _chat.StreamAsync(Request(messages, options), cancellationToken).ConfigureAwait(false))
        {
            string text = string.Concat(u.ContentUpdate.Select(p => p.Text));
            yield return new AI.ChatResponseUpdate(AI.ChatRole.Assistant, text)
            {
                ModelId = _endpoint.Model,
                FinishReason = u.FinishReason is { } f ? Finish(RemoteChatClient.FinishOf(f)) : null,
            };
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceKey is null && serviceType == typeof(AI.ChatClientMetadata) ? Metadata
        : serviceKey is null && serviceType == typeof(RemoteEndpoint) ? _endpoint
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsEndpoint)
        {
            _endpoint.Dispose();
        }
    }

    internal static ChatRequest Request(IEnumerable<AI.ChatMessage> messages, AI.ChatOptions? o)
    {
        var turns = new List<ChatTurn>();
        if (o?.Instructions is { Length: > 0 } instructions)
        {
            turns.Add(new ChatTurn("system", instructions));
        }
        int i = 0;
        foreach (var m in messages)
        {
            if (m.Contents.Any(c => c is not AI.TextContent))
            {
                throw new ArgumentException($"message {i}: only text content is supported over an OpenAI-compatible endpoint here (found {m.Contents.First(c => c is not AI.TextContent).GetType().Name})", nameof(messages));
            }
            string role = m.Role == AI.ChatRole.System ? "system"
                : m.Role == AI.ChatRole.User ? "user"
                : m.Role == AI.ChatRole.Assistant ? "assistant"
                : throw new ArgumentException($"message {i}: role '{m.Role}' is not supported; expected system, user or assistant", nameof(messages));
            turns.Add(new ChatTurn(role, m.Text));
            i++;
        }
        if (o?.Tools is { Count: > 0 })
        {
            throw new ArgumentException("tools are not supported by this client", nameof(o));
        }
        return new ChatRequest
        {
            Messages = turns,
            MaxTokens = o?.MaxOutputTokens,
            Temperature = o?.Temperature,
            TopP = o?.TopP,
            TopK = o?.TopK,
            Seed = o?.Seed,
            Stop = o?.StopSequences is { Count: > 0 } s ? [.. s] : null,
        };
    }

    private static AI.ChatFinishReason? Finish(string reason) => reason switch
    {
        "stop" => AI.ChatFinishReason.Stop,
        "length" => AI.ChatFinishReason.Length,
        "content_filter" => AI.ChatFinishReason.ContentFilter,
        "tool_calls" or "function_call" => AI.ChatFinishReason.ToolCalls,
        "" => null,
        _ => new AI.ChatFinishReason(reason),
    };
}
