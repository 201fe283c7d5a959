using LLama;
using LLama.Common;
using LLama.Native;
using Sift.Core;
using Sift.Engine.Inference;
using Sift.Inference;
using Sift.Text;

namespace Sift.LlamaCpp.Backend;

/// <summary>
/// A GGUF model run by llama.cpp (through LLamaSharp, CPU backend): full-sequence logits for scoring and
/// cross-checks on its own one-sequence context, and multi-sequence sessions (<see cref="OpenSession"/>) for batched
/// generation and serving. KV caches are kept in float32 and flash attention is off, so an f32 GGUF computes in
/// float32 end to end. Not thread-safe: one caller at a time.
/// </summary>
public sealed class LlamaCppModel : IDecoderModel
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly Gguf.GgufFile _header;
    private readonly int _threads;
    private LlamaCppTokenizer? _tokenizer;
    private int _position;

    private LlamaCppModel(string path, LLamaWeights weights, LLamaContext context, Gguf.GgufFile header, int threads)
    {
        Path = path;
        _weights = weights;
        _context = context;
        _header = header;
        _threads = threads;
        VocabSize = weights.Vocab.Count;
        ContextSize = (int)context.ContextSize;
        BatchSize = (int)context.BatchSize;
    }

    /// <summary>The GGUF file.</summary>
    public string Path { get; }

    /// <summary>Vocabulary size (logits per position).</summary>
    public int VocabSize { get; }

    /// <summary>Context length of the cache.</summary>
    public int ContextSize { get; }

    /// <summary>Most tokens per llama.cpp decode call.</summary>
    public int BatchSize { get; }

    /// <summary>The llama.cpp weights (tokenizer, vocabulary).</summary>
    internal LLamaWeights Weights => _weights;

    /// <summary>
    /// Loads <paramref name="ggufPath"/> with <paramref name="threads"/> CPU threads and a cache of
    /// <paramref name="contextSize"/> tokens (0: the model's training context, capped at 4096).
    /// </summary>
    public static LlamaCppModel Open(string ggufPath, int threads = 2, int contextSize = 0)
    {
        if (!File.Exists(ggufPath))
        {
            throw new SiftException($"{ggufPath}: GGUF file not found");
        }
        EnsureNative();
        var header = Gguf.GgufFile.Read(ggufPath);
        if (contextSize <= 0)
        {
            string arch = header.Metadata.TryGetValue("general.architecture", out var a) ? (string)a.Value : "";
            contextSize = header.Metadata.TryGetValue($"{arch}.context_length", out var ctx) ? (int)Math.Min(ctx.AsU32(), 4096u) : 2048;
        }
        var p = Params(ggufPath, threads, contextSize, sequences: 1);
        int? Id(string key) => header.Metadata.TryGetValue(key, out var v) ? (int)v.AsU32() : null;
        LLamaWeights weights;
        try
        {
            weights = LLamaWeights.LoadFromFile(p);
        }
        catch (Exception e) when (e is not SiftException)
        {
            throw new SiftException($"{ggufPath}: llama.cpp could not load the GGUF file: {e.Message}", e);
        }
        try
        {
            return new LlamaCppModel(ggufPath, weights, weights.CreateContext(p), header, threads)
            {
                BosId = Id("tokenizer.ggml.bos_token_id"),
                EosId = Id("tokenizer.ggml.eos_token_id"),
                Architecture = header.Metadata.TryGetValue("general.architecture", out var arch) ? (string)arch.Value : "",
            };
        }
        catch (Exception e)
        {
            weights.Dispose();
            throw new SiftException($"{ggufPath}: llama.cpp could not create a context: {e.Message}", e);
        }
    }

    // CPU only, float32 KV cache, no flash attention; several sequences share one unified cache of contextSize cells.
    private static ModelParams Params(string path, int threads, int contextSize, int sequences)
    {
        int batch = Math.Max(Math.Min(contextSize, 512), sequences);
        return new ModelParams(path)
        {
            ContextSize = (uint)contextSize,
            BatchSize = (uint)batch,
            UBatchSize = (uint)batch,
            SeqMax = (uint)sequences,
            KVUnified = true,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
        };
    }

    /// <inheritdoc />
    public string Source => Path;

    /// <summary>llama.cpp's tokenizer of the file as a Sift tokenizer.</summary>
    public ITokenizer? Tokenizer => _tokenizer ??= new LlamaCppTokenizer(this, LlamaCppTokenizer.FingerprintOf(_header));

    /// <inheritdoc />
    public IReadOnlyCollection<int> StopIds => [.. new[] { EosId, (int?)_weights.Vocab.EOT }.OfType<int>().Where(id => (uint)id < (uint)VocabSize).Distinct()];

    /// <inheritdoc />
    public long ParameterCount => (long)_weights.ParameterCount;

    /// <summary>The context this model was opened with (sessions may not exceed it).</summary>
    public int ContextLength => ContextSize;

    /// <inheritdoc />
    public (string Template, string Source)? ChatTemplate =>
        _header.Metadata.TryGetValue("tokenizer.chat_template", out var t) && t.Value is string { Length: > 0 } s ? (s, "the GGUF's tokenizer.chat_template") : null;

    /// <summary>A llama.cpp context of <paramref name="maxSequences"/> sequences of up to <paramref name="maxLength"/> positions each.</summary>
    public IDecodeSession OpenSession(int maxSequences, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        if (maxLength > ContextSize)
        {
            throw new SiftException($"{Path}: a session of {maxLength} positions exceeds the context the model was opened with ({ContextSize})");
        }
        try
        {
            var context = _weights.CreateContext(Params(Path, _threads, maxSequences * maxLength, maxSequences));
            return new LlamaCppSession(context, maxSequences, maxLength, VocabSize, Path);
        }
        catch (Exception e) when (e is not SiftException)
        {
            throw new SiftException($"{Path}: llama.cpp could not create a context of {maxSequences} × {maxLength} positions: {e.Message}", e);
        }
    }

    /// <summary>Null when llama.cpp's native library loads on this machine, else why not.</summary>
    public static string? NativeUnavailableReason()
    {
        try
        {
            EnsureNative();
            return null;
        }
        catch (SiftException e)
        {
            return e.Message;
        }
    }

    private static readonly Lazy<string?> NativeError = new(() =>
    {
        try
        {
            // Quiet: llama.cpp logs every tensor and kernel choice to stderr otherwise.
            NativeLibraryConfig.All.WithLogCallback((level, message) =>
            {
                if (level == LLamaLogLevel.Error)
                {
                    Console.Error.Write(message);
                }
            });
            NativeApi.llama_empty_call();
            return null;
        }
        catch (Exception e)
        {
            return $"llama.cpp's native library (LLamaSharp.Backend.Cpu) could not be loaded: {e.GetBaseException().Message}";
        }
    });

    private static void EnsureNative()
    {
        if (NativeError.Value is { } error)
        {
            throw new SiftException(error);
        }
    }

    /// <summary>llama.cpp's tokenization of <paramref name="text"/> (BOS and other specials only when asked for).</summary>
    public int[] Tokenize(string text, bool addSpecial = false, bool parseSpecial = false) =>
        [.. _weights.NativeHandle.Tokenize(text, addSpecial, parseSpecial, System.Text.Encoding.UTF8).Select(t => (int)t)];

    /// <summary>llama.cpp's detokenization of <paramref name="tokens"/> (special tokens rendered as nothing).</summary>
    public string Detokenize(IEnumerable<int> tokens)
    {
        var decoder = new StreamingTokenDecoder(System.Text.Encoding.UTF8, _weights);
        foreach (int t in tokens)
        {
            decoder.Add(t);
        }
        return decoder.Read();
    }

    /// <summary>tokenizer.ggml.bos_token_id as written in the file (llama.cpp's own default ids are not used).</summary>
    public int? BosId { get; private init; }

    /// <summary>tokenizer.ggml.eos_token_id as written in the file.</summary>
    public int? EosId { get; private init; }

    /// <summary>general.architecture.</summary>
    public string Architecture { get; private init; } = "";

    /// <summary>Logits [tokens.Length, VocabSize] for every position of one sequence (the cache is cleared first).</summary>
    public float[] Logits(ReadOnlySpan<int> tokens)
    {
        Reset();
        var result = new float[(long)tokens.Length * VocabSize];
        Feed(tokens, allLogits: true, (i, logits) => logits.CopyTo(result.AsSpan(i * VocabSize, VocabSize)));
        return result;
    }

    /// <summary>Clears the cache: the next <see cref="Append"/> starts a new sequence at position 0.</summary>
    public void Reset()
    {
        _context.NativeHandle.MemoryClear(true);
        _position = 0;
    }

    /// <summary>Appends tokens to the cached sequence and writes the logits after the last one into <paramref name="logits"/>.</summary>
    public void Append(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        var dst = logits;
        int last = tokens.Length - 1;
        float[]? copy = null;
        Feed(tokens, allLogits: false, (i, l) =>
        {
            if (i == last)
            {
                copy = l.ToArray();
            }
        });
        copy!.CopyTo(dst);
    }

    // Decodes tokens in batches of BatchSize, calling onLogits(index in tokens, row) for the positions asked for.
    private void Feed(ReadOnlySpan<int> tokens, bool allLogits, Action<int, ReadOnlySpan<float>> onLogits)
    {
        if (_position + tokens.Length > ContextSize)
        {
            throw new SiftException($"{Path}: {_position + tokens.Length} tokens exceed llama.cpp's context of {ContextSize}");
        }
        for (int start = 0; start < tokens.Length; start += BatchSize)
        {
            int n = Math.Min(BatchSize, tokens.Length - start);
            _batch.Clear();
            for (int j = 0; j < n; j++)
            {
                int id = tokens[start + j];
                if ((uint)id >= (uint)VocabSize)
                {
                    throw new SiftException($"token id {id} at tokens[{start + j}] is outside the vocabulary (0..{VocabSize - 1})");
                }
                bool wantLogits = allLogits || start + j == tokens.Length - 1;
                _batch.Add((LLamaToken)id, (LLamaPos)(_position + j), (LLamaSeqId)0, wantLogits);
            }
            var status = _context.Decode(_batch);
            if (status != DecodeResult.Ok)
            {
                throw new SiftException($"{Path}: llama.cpp decode failed ({status})");
            }
            for (int j = 0; j < n; j++)
            {
                if (allLogits || start + j == tokens.Length - 1)
                {
                    onLogits(start + j, _context.NativeHandle.GetLogitsIth(j));
                }
            }
            _position += n;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
