namespace Sift.Remote;

/// <summary>A /v1/completions response (or one streamed chunk, whose texts are deltas).</summary>
/// <param name="Id">Response id.</param>
/// <param name="Model">Model that answered.</param>
/// <param name="Choices">Choices, prompt-major (index = prompt·n + sample).</param>
/// <param name="Usage">Token counts, when sent.</param>
public sealed record CompletionResponse(string Id, string Model, IReadOnlyList<CompletionChoice> Choices, CompletionUsage? Usage);

/// <summary>One choice.</summary>
/// <param name="Index">Choice index.</param>
/// <param name="Text">Completion text (with the prompt first when echoed).</param>
/// <param name="FinishReason">"stop", "length", or null (a stream chunk before the end).</param>
/// <param name="Logprobs">Legacy per-token logprobs, when asked for.</param>
/// <param name="PromptLogprobs">vLLM's id-keyed prompt logprobs, aligned with the prompt tokens (first null), when sent.</param>
/// <param name="PromptTokenIds">Prompt ids as the server saw them, when sent.</param>
/// <param name="TokenIds">Generated ids, when sent.</param>
public sealed record CompletionChoice(int Index, string Text, string? FinishReason, CompletionLogprobs? Logprobs,
    IReadOnlyList<IReadOnlyDictionary<int, TokenLogprob>?>? PromptLogprobs, int[]? PromptTokenIds, int[]? TokenIds);

/// <summary>OpenAI legacy logprobs: parallel arrays over the echoed prompt and the generated tokens.</summary>
/// <param name="Tokens">Token strings ("token_id:N" with return_tokens_as_token_ids).</param>
/// <param name="TokenLogprobs">log p of each token; null for the first prompt token.</param>
/// <param name="TopLogprobs">Token string → logprob of the alternatives; null where not given.</param>
/// <param name="TextOffset">Character offset of each token in the text.</param>
public sealed record CompletionLogprobs(string[] Tokens, double?[] TokenLogprobs, IReadOnlyDictionary<string, double>?[] TopLogprobs, int[] TextOffset)
{
    /// <summary>The id in a "token_id:N" token string, else null.</summary>
    public static int? IdOf(string token) =>
        token.StartsWith("token_id:", StringComparison.Ordinal) && int.TryParse(token.AsSpan(9), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int id) ? id : null;
}

/// <summary>A logprob entry of vLLM's prompt_logprobs.</summary>
/// <param name="Logprob">log p.</param>
/// <param name="Rank">Rank in the distribution (1 = most likely), when sent.</param>
/// <param name="DecodedToken">Token text, when sent.</param>
public sealed record TokenLogprob(double Logprob, int? Rank, string? DecodedToken);

/// <summary>Token counts of a response.</summary>
/// <param name="PromptTokens">Prompt tokens (all prompts).</param>
/// <param name="CompletionTokens">Generated tokens (all choices).</param>
/// <param name="TotalTokens">Their sum.</param>
public sealed record CompletionUsage(int PromptTokens, int CompletionTokens, int TotalTokens);
