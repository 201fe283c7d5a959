using LLama;
using LLama.Native;
using Sift.Core;
using Sift.Engine.Inference;

namespace Sift.LlamaCpp.Backend;

/// <summary>
/// A llama.cpp context with several sequences in one unified KV cache: the same slots, prompt sharing and batched
/// decode steps as Sift's <see cref="InferenceSession"/>, so batched generation and `sift serve` run on llama.cpp
/// unchanged. A shared prompt is copied between sequences by llama.cpp's <c>llama_memory_seq_cp</c>, which in a unified
/// cache only tags the cells (no copy). Not thread-safe: one caller at a time.
/// </summary>
internal sealed class LlamaCppSession : IDecodeSession
{
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly int[] _lengths;
    private readonly string _path;

    public LlamaCppSession(LLamaContext context, int maxSequences, int maxLength, int width, string path)
    {
        _context = context;
        _lengths = new int[maxSequences];
        MaxSequences = maxSequences;
        MaxLength = maxLength;
        Width = width;
        _path = path;
        BatchSize = (int)context.BatchSize;
    }

    public int MaxSequences { get; }

    public int MaxLength { get; }

    public int Width { get; }

    /// <summary>Most tokens per llama.cpp decode call.</summary>
    public int BatchSize { get; }

    public void Reset(int seq)
    {
        _context.NativeHandle.MemorySequenceRemove((LLamaSeqId)seq, -1, -1);
        _lengths[seq] = 0;
    }

    public void ForkPrefix(int from, int to, int length)
    {
        if ((uint)length > (uint)_lengths[from])
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"slot {from} holds {_lengths[from]} positions; cannot fork {length}");
        }
        if (from != to)
        {
            _context.NativeHandle.MemorySequenceRemove((LLamaSeqId)to, -1, -1);
            _context.NativeHandle.MemorySequenceCopy((LLamaSeqId)from, (LLamaSeqId)to, 0, length);
        }
        else
        {
            _context.NativeHandle.MemorySequenceRemove((LLamaSeqId)to, length, -1);
        }
        _lengths[to] = length;
    }

    public void Prefill(int seq, ReadOnlySpan<int> tokens, Span<float> lastLogits) => Prefill(seq, tokens, lastLogits, null);

    public void Prefill(int seq, ReadOnlySpan<int> tokens, Span<float> lastLogits, RowLogitsHandler? onRow)
    {
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("nothing to prefill", nameof(tokens));
        }
        if (_lengths[seq] + tokens.Length > MaxLength)
        {
            throw new SiftException($"{_path}: {_lengths[seq] + tokens.Length} tokens exceed the session's context of {MaxLength}");
        }
        for (int start = 0; start < tokens.Length; start += BatchSize)
        {
            int n = Math.Min(BatchSize, tokens.Length - start);
            _batch.Clear();
            for (int j = 0; j < n; j++)
            {
                int id = Check(tokens[start + j], start + j);
                bool want = onRow is not null || start + j == tokens.Length - 1;
                _batch.Add((LLamaToken)id, (LLamaPos)(_lengths[seq] + j), (LLamaSeqId)seq, want);
            }
            Decode();
            for (int j = 0; j < n; j++)
            {
                if (onRow is not null || start + j == tokens.Length - 1)
                {
                    var row = _context.NativeHandle.GetLogitsIth(j)[..Width];
                    onRow?.Invoke(start + j, row);
                    if (start + j == tokens.Length - 1)
                    {
                        row.CopyTo(lastLogits);
                    }
                }
            }
            _lengths[seq] += n;
        }
    }

    public void Step(ReadOnlySpan<int> seqs, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (seqs.Length != tokens.Length || seqs.Length > BatchSize || logits.Length < seqs.Length * Width)
        {
            throw new ArgumentException("seqs, tokens and logits sizes disagree");
        }
        _batch.Clear();
        for (int r = 0; r < seqs.Length; r++)
        {
            int s = seqs[r];
            if (_lengths[s] + 1 > MaxLength)
            {
                throw new SiftException($"{_path}: slot {s} is full ({MaxLength} positions)");
            }
            _batch.Add((LLamaToken)Check(tokens[r], r), (LLamaPos)_lengths[s], (LLamaSeqId)s, true);
        }
        Decode();
        for (int r = 0; r < seqs.Length; r++)
        {
            _context.NativeHandle.GetLogitsIth(r)[..Width].CopyTo(logits.Slice(r * Width, Width));
            _lengths[seqs[r]]++;
        }
    }

    private int Check(int id, int at) => (uint)id < (uint)Width ? id
        : throw new SiftException($"token id {id} at tokens[{at}] is outside the vocabulary (0..{Width - 1})");

    private void Decode()
    {
        var status = _context.Decode(_batch);
        if (status != DecodeResult.Ok)
        {
            throw new SiftException($"{_path}: llama.cpp decode failed ({status})");
        }
    }

    public void Dispose() => _context.Dispose();
}
