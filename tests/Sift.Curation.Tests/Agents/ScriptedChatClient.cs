using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Sift.Curation.Tests.Agents;

/// <summary>
/// A chat backend for tests: each reply is a function of the prompt (the only user turn), so a run's outcome does not
/// depend on scheduling. Records every request; can fail on a chosen prompt to simulate a run killed mid-way.
/// </summary>
internal sealed class ScriptedChatClient(Func<string, string> reply, string model = "scripted-model") : IChatClient
{
    private readonly List<(string Prompt, ChatOptions? Options)> _requests = [];

    public Func<string, bool>? FailWhen { get; init; }

    public Func<string, bool>? TruncateWhen { get; init; }

    public IReadOnlyList<(string Prompt, ChatOptions? Options)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        Assert.Single(list);
        Assert.Equal(ChatRole.User, list[0].Role);
        string prompt = list[0].Text;
        lock (_requests)
        {
            _requests.Add((prompt, options));
        }
        if (FailWhen?.Invoke(prompt) == true)
        {
            throw new HttpRequestException("scripted failure (the endpoint went away)");
        }
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply(prompt)))
        {
            ModelId = model,
            FinishReason = TruncateWhen?.Invoke(prompt) == true ? ChatFinishReason.Length : ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = prompt.Length, OutputTokenCount = 5 },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var r = await GetResponseAsync(messages, options, cancellationToken);
        yield return new ChatResponseUpdate(ChatRole.Assistant, r.Text);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted", null, model) : null;

    public void Dispose()
    {
    }
}
