using Sift.Core.Random;
using Sift.Engine.Model;
using Sift.Engine.Ops;

namespace Sift.Engine.Inference;

/// <summary>One prompt to complete.</summary>
/// <param name="Prompt">Prompt token ids (at least one).</param>
/// <param name="MaxTokens">Most tokens to generate.</param>
/// <param name="Sampling">Sampling settings.</param>
/// <param name="Seed">Seed of this request's own generator: results do not depend on batching.</param>
/// <param name="StopTokens">Token ids that end the completion (not included in it), e.g. EOS.</param>
public sealed record GenerationRequest(int[] Prompt, int MaxTokens, SamplingOptions Sampling, ulong Seed, IReadOnlyCollection<int>? StopTokens = null);

/// <summary>A finished completion.</summary>
/// <param name="Tokens">Generated ids (without the prompt and without a stop token).</param>
/// <param name="Logprobs">log p of each generated token under the unmodified distribution (temperature 1).</param>
/// <param name="FinishReason">"stop" (stop token or stop check) or "length".</param>
public sealed record GenerationResult(int[] Tokens, float[] Logprobs, string FinishReason);

/// <summary>
/// Batched generation with continuous batching: up to <c>maxBatch</c> requests decode together, one token per
/// step each, and a finished request's slot is refilled from the queue.
/// </summary>
public sealed class Generator : IDisposable
{
    private readonly IDecodeSession _session;
    private readonly bool _ownsSession;
    private readonly int _vocab;

    /// <summary>Creates a session of Sift's engine (KV cache of maxBatch × maxLength).</summary>
    public Generator(LlamaModel model, Compute compute, int maxBatch = 8, int? maxLength = null)
        : this(NewSession(model, compute, maxBatch, maxLength), ownsSession: true)
    {
    }

    /// <summary>Generates over <paramref name="session"/> (its slots are the batch); disposes it when <paramref name="ownsSession"/>.</summary>
    public Generator(IDecodeSession session, bool ownsSession = false)
    {
        _session = session;
        _ownsSession = ownsSession;
        _vocab = session.Width;
        MaxLength = session.MaxLength;
    }

    private static InferenceSession NewSession(LlamaModel model, Compute compute, int maxBatch, int? maxLength)
    {
        model.Config.RequireCausalLm("generation");
        int len = maxLength ?? model.Config.MaxPositionEmbeddings;
        return new InferenceSession(model, maxBatch, len, compute, maxRows: Math.Max(maxBatch, 128));
    }

    /// <summary>Context length available to prompt + completion.</summary>
    public int MaxLength { get; }

    /// <summary>Prompt tokens computed so far (a prompt shared by several requests counts once while a slot holds it).</summary>
    public long PrefillTokens { get; private set; }

    /// <summary>
    /// Runs every request. <paramref name="shouldStop"/>(request index, generated so far) lets callers end a
    /// completion on stop strings; <paramref name="onFinished"/> reports each result as soon as it is done.
    /// </summary>
    public GenerationResult[] Generate(IReadOnlyList<GenerationRequest> requests,
        Func<int, List<int>, bool>? shouldStop = null, Action<int, GenerationResult>? onFinished = null, CancellationToken cancel = default)
    {
        for (int i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            r.Sampling.Validate();
            if (r.Prompt.Length == 0)
            {
                throw new ArgumentException($"request {i}: the prompt is empty");
            }
            if (r.MaxTokens < 0)
            {
                throw new ArgumentException($"request {i}: max tokens must be ≥ 0, got {r.MaxTokens}");
            }
            if (r.Prompt.Length + r.MaxTokens > MaxLength)
            {
                throw new ArgumentException($"request {i}: prompt ({r.Prompt.Length} tokens) + max tokens ({r.MaxTokens}) exceeds the context of {MaxLength}");
            }
            foreach (int t in r.Prompt)
            {
                if ((uint)t >= (uint)_vocab)
                {
                    throw new ArgumentOutOfRangeException(nameof(requests), $"request {i}: token id {t} is outside the vocabulary (0..{_vocab - 1})");
                }
            }
        }

        var results = new GenerationResult[requests.Count];
        int slots = _session.MaxSequences;
        var slotReq = new int[slots];
        var slotOut = new List<int>[slots];
        var slotLp = new List<float>[slots];
        var slotRng = new Rng[slots];
        var slotNext = new int[slots];
        var sharing = new PromptSharing(slots);
        Array.Fill(slotReq, -1);
        var logits = new float[slots * _vocab];
        var one = new float[_vocab];
        var probs = new float[_vocab];
        var order = new int[_vocab];
        int nextRequest = 0, active = 0;

        void Finish(int s, string reason)
        {
            int ri = slotReq[s];
            var res = new GenerationResult([.. slotOut[s]], [.. slotLp[s]], reason);
            results[ri] = res;
            onFinished?.Invoke(ri, res);
            slotReq[s] = -1;
            active--;
        }

        // Chooses the next token from logits; returns false when the request is finished.
        bool Advance(int s, ReadOnlySpan<float> row)
        {
            var req = requests[slotReq[s]];
            if (slotOut[s].Count >= req.MaxTokens)
            {
                Finish(s, "length");
                return false;
            }
            int tok = Sampler.Sample(row, req.Sampling, slotRng[s], probs, order);
            if (req.StopTokens is not null && req.StopTokens.Contains(tok))
            {
                Finish(s, "stop");
                return false;
            }
            slotOut[s].Add(tok);
            slotLp[s].Add(RowLogSoftmax.LogProb(row, tok));
            if (shouldStop is not null && shouldStop(slotReq[s], slotOut[s]))
            {
                Finish(s, "stop");
                return false;
            }
            if (slotOut[s].Count >= req.MaxTokens)
            {
                Finish(s, "length");
                return false;
            }
            slotNext[s] = tok;
            return true;
        }

        while (nextRequest < requests.Count || active > 0)
        {
            cancel.ThrowIfCancellationRequested();
            for (int s = 0; s < slots && nextRequest < requests.Count; s++)
            {
                if (slotReq[s] >= 0)
                {
                    continue;
                }
                var req = requests[nextRequest];
                slotReq[s] = nextRequest++;
                active++;
                slotOut[s] = new List<int>(req.MaxTokens);
                slotLp[s] = new List<float>(req.MaxTokens);
                slotRng[s] = new Rng(req.Seed);
                if (sharing.Place(_session, s, req.Prompt, one))
                {
                    PrefillTokens += req.Prompt.Length;
                }
                Advance(s, one);
            }
            var seqs = new List<int>();
            var toks = new List<int>();
            for (int s = 0; s < slots; s++)
            {
                if (slotReq[s] >= 0)
                {
                    seqs.Add(s);
                    toks.Add(slotNext[s]);
                }
            }
            if (seqs.Count == 0)
            {
                continue;
            }
            _session.Step(seqs.ToArray(), toks.ToArray(), logits);
            for (int i = 0; i < seqs.Count; i++)
            {
                Advance(seqs[i], logits.AsSpan(i * _vocab, _vocab));
            }
        }
        return results;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsSession)
        {
            _session.Dispose();
        }
    }
}
