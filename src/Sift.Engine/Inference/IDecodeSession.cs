namespace Sift.Engine.Inference;

/// <summary>
/// A KV cache of several sequence slots and the forward pass over it: what batched generation and serving drive.
/// Sift's engine (<see cref="InferenceSession"/>) is one; llama.cpp over a GGUF file is another. Generation, sampling,
/// prompt sharing and stop handling are written once above this interface.
/// </summary>
public interface IDecodeSession : IDisposable
{
    /// <summary>Slots decoded together.</summary>
    int MaxSequences { get; }

    /// <summary>Positions a slot holds (prompt + completion).</summary>
    int MaxLength { get; }

    /// <summary>Outputs per position (the vocabulary for a language-model head).</summary>
    int Width { get; }

    /// <summary>Forgets a slot's cache.</summary>
    void Reset(int seq);

    /// <summary>
    /// Makes slot <paramref name="to"/> hold the first <paramref name="length"/> cached positions of slot
    /// <paramref name="from"/>; <paramref name="from"/> == <paramref name="to"/> drops the positions after them.
    /// </summary>
    void ForkPrefix(int from, int to, int length);

    /// <summary>Appends <paramref name="tokens"/> to slot <paramref name="seq"/>; the logits after the last one go to <paramref name="lastLogits"/>.</summary>
    void Prefill(int seq, ReadOnlySpan<int> tokens, Span<float> lastLogits);

    /// <summary>The same, and hands the logits after every token to <paramref name="onRow"/>(index in tokens, logits) in order.</summary>
    void Prefill(int seq, ReadOnlySpan<int> tokens, Span<float> lastLogits, RowLogitsHandler onRow);

    /// <summary>One decode step for several slots: appends tokens[i] to slot seqs[i]; its next-token logits go to logits[i·V ..].</summary>
    void Step(ReadOnlySpan<int> seqs, ReadOnlySpan<int> tokens, Span<float> logits);
}
