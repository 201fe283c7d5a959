namespace Sift.Rewards.Integrative;

/// <summary>The shared continuation.</summary>
/// <param name="Tokens">Its token ids.</param>
/// <param name="FinishReason">"stop" (a stop token), "length" (max tokens or the context).</param>
/// <param name="Approximate">True over an endpoint: merged from each prompt's top-k log-probs (§6.2), not the full distributions.</param>
internal sealed record IntegrativeResult(int[] Tokens, string FinishReason, bool Approximate);
