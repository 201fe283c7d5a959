using Sift.Core;
using Sift.Core.Random;
using Sift.Engine.Inference;
using Sift.Engine.Ops;
using Sift.Inference;

namespace Sift.LlamaCpp.Backend;

/// <summary>
/// Completions from a GGUF file through llama.cpp: llama.cpp's tokenizer and forward pass, Sift's sampler (so
/// temperature, top-k, top-p, seeds and log-probabilities mean what they mean with the local engine). Prompts run one
/// after another on one KV cache; llama.cpp uses all configured threads for each.
/// </summary>
public sealed class LlamaCppCompletionBackend(LlamaCppModel model, bool ownsModel = false) : ICompletionBackend
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <inheritdoc />
    public string Name => model.Path;

    /// <summary>Opens <paramref name="ggufPath"/> as a backend that owns its model.</summary>
    public static LlamaCppCompletionBackend Open(string ggufPath, int threads, int contextSize = 0) =>
        new(LlamaCppModel.Open(ggufPath, threads, contextSize), ownsModel: true);

    /// <inheritdoc />
    public async Task<TextCompletion[]> CompleteAsync(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default)
    {
        await _gate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            return await Task.Run(() =>
            {
                var results = new TextCompletion[prompts.Count];
                for (int i = 0; i < prompts.Count; i++)
                {
                    cancel.ThrowIfCancellationRequested();
                    results[i] = Complete(prompts[i], i, cancel);
                    onDone?.Invoke(i, results[i]);
                }
                return results;
            }, cancel).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The prompt's token ids: given ids, or the text through llama.cpp's tokenizer with BOS when the file names one.</summary>
    public int[] Encode(TextPrompt p, int index)
    {
        if (p.Tokens is { } ids)
        {
            return ids;
        }
        if (p.Text is not { } text)
        {
            throw new SiftException($"prompt {index}: give text or token ids");
        }
        var t = model.Tokenize(text, addSpecial: false, parseSpecial: p.AllowSpecialTokens);
        return model.BosId is int bos ? [bos, .. t] : t;
    }

    private TextCompletion Complete(TextPrompt p, int index, CancellationToken cancel)
    {
        int[] prompt = Encode(p, index);
        if (prompt.Length == 0)
        {
            throw new SiftException($"prompt {index}: the prompt is empty");
        }
        int context = model.ContextSize, maxTokens = p.MaxTokens;
        if (prompt.Length + maxTokens > context)
        {
            if (!p.FitToContext)
            {
                throw new SiftException($"prompt {index}: {prompt.Length} prompt tokens + {p.MaxTokens} max tokens exceed llama.cpp's context of {context}; lower --max-tokens or shorten the prompt");
            }
            maxTokens = Math.Max(0, context - prompt.Length);
            if (maxTokens == 0)
            {
                return new TextCompletion("", [], [], TextGenerator.PromptTooLong, prompt.Length);
            }
        }
        int v = model.VocabSize;
        var logits = new float[v];
        var probs = new float[v];
        var order = new int[v];
        var rng = new Rng(p.Seed);
        var tokens = new List<int>();
        var logprobs = new List<float>();
        string finish = "length";
        model.Reset();
        model.Append(prompt, logits);
        while (tokens.Count < maxTokens)
        {
            cancel.ThrowIfCancellationRequested();
            int next = Sampler.Sample(logits, p.Sampling, rng, probs, order);
            if (next == model.EosId)
            {
                finish = "stop";
                break;
            }
            tokens.Add(next);
            logprobs.Add(RowLogSoftmax.LogProb(logits, next));
            if (p.Stop.Count > 0 && p.Stop.Any(s => s.Length > 0 && model.Detokenize(tokens).Contains(s, StringComparison.Ordinal)))
            {
                finish = "stop";
                break;
            }
            if (tokens.Count < maxTokens)
            {
                model.Append([next], logits);
            }
        }
        string text = model.Detokenize(tokens);
        foreach (string s in p.Stop)
        {
            int at = s.Length > 0 ? text.IndexOf(s, StringComparison.Ordinal) : -1;
            if (at >= 0)
            {
                text = text[..at];
            }
        }
        return new TextCompletion(text, [.. tokens], [.. logprobs], finish, prompt.Length);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _gate.Dispose();
        if (ownsModel)
        {
            model.Dispose();
        }
    }
}
