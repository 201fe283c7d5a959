using System.Text.Json.Nodes;

namespace Sift.Remote;

/// <summary>A prompt for /v1/completions: text, or token ids that the server must not re-tokenize.</summary>
public sealed record CompletionPrompt
{
    private CompletionPrompt(string? text, int[]? tokens)
    {
        Text = text;
        Tokens = tokens;
    }

    /// <summary>Prompt text (the server tokenizes it, adding BOS by default).</summary>
    public string? Text { get; }

    /// <summary>Prompt token ids.</summary>
    public int[]? Tokens { get; }

    /// <summary>A text prompt.</summary>
    public static CompletionPrompt FromText(string text) => new(text, null);

    /// <summary>A token-id prompt.</summary>
    public static CompletionPrompt FromTokens(int[] tokens) => new(null, tokens);
}

/// <summary>
/// A POST /v1/completions request (OpenAI legacy completions plus the vLLM extras that scoring needs).
/// Null fields are not sent, so the server's defaults apply.
/// </summary>
public sealed record CompletionRequest
{
    /// <summary>One or more prompts (all text or all token ids); choices come back prompt-major, n per prompt.</summary>
    public required IReadOnlyList<CompletionPrompt> Prompts { get; init; }

    /// <summary>Most tokens to generate (0 with <see cref="Echo"/> returns only the prompt).</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Sampling temperature (0 = greedy).</summary>
    public float? Temperature { get; init; }

    /// <summary>Nucleus mass.</summary>
    public float? TopP { get; init; }

    /// <summary>vLLM extra: keep the k most likely tokens.</summary>
    public int? TopK { get; init; }

    /// <summary>Samples per prompt.</summary>
    public int? N { get; init; }

    /// <summary>Sampling seed.</summary>
    public long? Seed { get; init; }

    /// <summary>Stop strings (not included in the text).</summary>
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>Alternatives per position in top_logprobs (0 = only the chosen token's logprob).</summary>
    public int? Logprobs { get; init; }

    /// <summary>Return the prompt (and, with logprobs, its token logprobs; the first is null) before the completion.</summary>
    public bool? Echo { get; init; }

    /// <summary>vLLM extra: prompt-token logprobs (id-keyed) with this many alternatives.</summary>
    public int? PromptLogprobs { get; init; }

    /// <summary>vLLM extra: legacy "tokens" become "token_id:N" strings.</summary>
    public bool? ReturnTokensAsTokenIds { get; init; }

    /// <summary>vLLM extra: add prompt_token_ids / token_ids to each choice.</summary>
    public bool? ReturnTokenIds { get; init; }

    /// <summary>Stream the completion as server-sent events (use <see cref="CompletionsClient.StreamAsync"/>).</summary>
    public bool? Stream { get; init; }

    /// <summary>Any further top-level fields, sent as given (server-specific extras).</summary>
    public JsonObject? Extra { get; init; }
}
