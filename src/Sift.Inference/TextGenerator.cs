using Sift.Core;
using Sift.Engine.Inference;

namespace Sift.Inference;

/// <summary>A text (or token-id) prompt and how to complete it.</summary>
public sealed record TextPrompt
{
    /// <summary>Prompt text (needs a tokenizer), or null when <see cref="Tokens"/> is given.</summary>
    public string? Text { get; init; }

    /// <summary>Prompt token ids.</summary>
    public int[]? Tokens { get; init; }

    /// <summary>Most tokens to generate.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>Sampling settings.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Seed for this prompt's sampling.</summary>
    public ulong Seed { get; init; }

    /// <summary>Strings that end the completion (not included in the output text).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Read special-token strings in <see cref="Text"/> as the special tokens (chat templates such as ChatML).</summary>
    public bool AllowSpecialTokens { get; init; }

    /// <summary>
    /// Evaluation semantics (as vLLM's offline engine, which the harnesses use): generation stops at the end of the
    /// context (finish reason "length") instead of the request being refused, and a prompt that leaves no room gets an
    /// empty completion with finish reason <see cref="TextGenerator.PromptTooLong"/>. Off, both are errors.
    /// </summary>
    public bool FitToContext { get; init; }
}

/// <summary>A completion with its text, ids and per-token log-probabilities.</summary>
public sealed record TextCompletion(string Text, int[] Tokens, float[] Logprobs, string FinishReason, int PromptTokens);

/// <summary>
/// Generation over text: encodes prompts (adding BOS when the model has one), runs the batched generator,
/// stops at EOS or any stop string, and decodes. Shared by `sift generate`, evaluation and the server.
/// </summary>
public sealed class TextGenerator(IDecoderModel model, int maxBatch = 8)
{
    /// <summary>Finish reason of a <see cref="TextPrompt.FitToContext"/> prompt that does not fit the context.</summary>
    public const string PromptTooLong = "prompt_too_long";

    /// <summary>Completes every prompt; results are in prompt order.</summary>
    public TextCompletion[] Complete(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default)
    {
        var tok = model.Tokenizer;
        var encoded = new int[prompts.Count][];
        var requests = new List<GenerationRequest>(prompts.Count);
        var requestPrompt = new List<int>(prompts.Count); // requests[k] completes prompts[requestPrompt[k]]
        var results = new TextCompletion[prompts.Count];
        var stopTokens = model.EosId is int eos ? new[] { eos } : [];
        for (int i = 0; i < prompts.Count; i++)
        {
            var p = prompts[i];
            if (p.Tokens is { } ids)
            {
                encoded[i] = ids;
            }
            else if (p.Text is { } text)
            {
                var t = model.RequireTokenizer("prompts").Encode(text, p.AllowSpecialTokens);
                encoded[i] = model.BosId is int bos ? [bos, .. t] : t;
            }
            else
            {
                throw new SiftException($"prompt {i}: give text or token ids");
            }
            if (encoded[i].Length == 0)
            {
                throw new SiftException($"prompt {i}: the prompt is empty");
            }
            int vocab = model.VocabSize;
            for (int j = 0; j < encoded[i].Length; j++)
            {
                if ((uint)encoded[i][j] >= (uint)vocab)
                {
                    throw new SiftException($"prompt {i}: token id {encoded[i][j]} at tokens[{j}] is outside the model's vocabulary (0..{vocab - 1})");
                }
            }
            int context = model.ContextLength;
            int maxTokens = p.MaxTokens;
            if (p.FitToContext && encoded[i].Length + maxTokens > context)
            {
                maxTokens = Math.Max(0, context - encoded[i].Length);
                if (maxTokens == 0)
                {
                    results[i] = new TextCompletion("", [], [], PromptTooLong, encoded[i].Length);
                    onDone?.Invoke(i, results[i]);
                    continue;
                }
            }
            if (encoded[i].Length + maxTokens > context)
            {
                throw new SiftException($"prompt {i}: {encoded[i].Length} prompt tokens + {p.MaxTokens} max tokens exceed the model's context of {context}; lower --max-tokens or shorten the prompt");
            }
            if (p.Stop.Count > 0 && tok is null)
            {
                throw new SiftException($"prompt {i}: stop strings need a tokenizer ({model.Source} has none)");
            }
            requests.Add(new GenerationRequest(encoded[i], maxTokens, p.Sampling, p.Seed, stopTokens));
            requestPrompt.Add(i);
        }
        if (requests.Count == 0)
        {
            return results;
        }
        using var gen = new Generator(model.OpenSession(Math.Max(1, Math.Min(maxBatch, requests.Count)), model.ContextLength), ownsSession: true);
        // Stop strings: decode the tail after each token and stop as soon as one appears.
        bool ShouldStop(int k, List<int> generated)
        {
            var stops = prompts[requestPrompt[k]].Stop;
            if (stops.Count == 0 || tok is null)
            {
                return false;
            }
            string text = tok.DecodeKnown(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(generated));
            foreach (string s in stops)
            {
                if (s.Length > 0 && text.Contains(s, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            return false;
        }
        gen.Generate(requests, ShouldStop, (k, r) =>
        {
            int i = requestPrompt[k];
            string text = tok?.DecodeKnown(r.Tokens) ?? "";
            foreach (string s in prompts[i].Stop)
            {
                int at = s.Length > 0 ? text.IndexOf(s, StringComparison.Ordinal) : -1;
                if (at >= 0)
                {
                    text = text[..at];
                }
            }
            results[i] = new TextCompletion(text, r.Tokens, r.Logprobs, r.FinishReason, encoded[i].Length);
            onDone?.Invoke(i, results[i]);
        }, cancel);
        return results;
    }
}
