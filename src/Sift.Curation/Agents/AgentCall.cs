using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Sift.Curation.Agents;

/// <summary>One agent reply: its text, whether it hit the token limit, who answered, and the request's identity.</summary>
internal sealed record AgentResponse(string Text, bool Truncated, string Model, string PromptSha256, long Seed);

/// <summary>
/// Sends one user prompt through any <see cref="IChatClient"/> with the run's sampling settings and a seed derived from
/// (run seed, seed id, step), so a rerun asks exactly what an uninterrupted run would; counts requests and tokens.
/// </summary>
internal sealed class AgentCall(IChatClient client, AgentOptions options, string fallbackModel)
{
    private int _requests;
    private long _promptTokens, _completionTokens;

    public int Requests => _requests;

    public long PromptTokens => Interlocked.Read(ref _promptTokens);

    public long CompletionTokens => Interlocked.Read(ref _completionTokens);

    public async Task<AgentResponse> AskAsync(string prompt, string seedId, string step, CancellationToken cancel)
    {
        long seed = (long)(ItemSeeds.Of(options.Seed, seedId + "\n" + step, 0) >> 33); // 31 bits: every server accepts it
        var chat = new ChatOptions
        {
            Temperature = options.Temperature,
            TopP = options.TopP,
            MaxOutputTokens = options.MaxTokens,
            Seed = seed,
        };
        var r = await client.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], chat, cancel).ConfigureAwait(false);
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _promptTokens, r.Usage?.InputTokenCount ?? 0);
        Interlocked.Add(ref _completionTokens, r.Usage?.OutputTokenCount ?? 0);
        return new AgentResponse(r.Text, r.FinishReason == ChatFinishReason.Length, r.ModelId ?? fallbackModel, Hash(prompt, chat), seed);
    }

    /// <summary>SHA-256 of the request as sent: messages and sampling settings in a fixed JSON form.</summary>
    internal static string Hash(string prompt, ChatOptions o)
    {
        string canonical = JsonSerializer.Serialize(new RequestIdentity([new("user", prompt)], o.Temperature, o.TopP, o.MaxOutputTokens, o.Seed), AgentJson.Default.RequestIdentity);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}

internal sealed record RequestMessage(string Role, string Content);

internal sealed record RequestIdentity(IReadOnlyList<RequestMessage> Messages, float? Temperature, float? TopP, int? MaxTokens, long? Seed);
