using Sift.Core;
using Sift.Core.IO;
using Sift.Text;

namespace Sift.Data;

/// <summary>
/// A packed token dataset opened read-only: shards and document offsets are memory-mapped, so
/// opening is cheap and corpora larger than RAM work. Reads are thread-safe.
/// </summary>
public sealed class TokenDataset : ITokenSource, IDisposable
{
    private readonly MappedShardSet _shards;
    private readonly MappedFile _documents;
    private bool _disposed;

    private TokenDataset(string folder, DatasetIndex index, MappedShardSet shards, MappedFile documents)
    {
        Folder = folder;
        Index = index;
        DType = index.TokenDType;
        _shards = shards;
        _documents = documents;
    }

    /// <summary>The dataset folder.</summary>
    public string Folder { get; }

    /// <summary>The parsed index.json.</summary>
    public DatasetIndex Index { get; }

    /// <summary>On-disk token type.</summary>
    public TokenDType DType { get; }

    /// <inheritdoc/>
    public long TotalTokens => Index.TotalTokens;

    /// <summary>Number of documents.</summary>
    public long DocumentCount => Index.DocumentCount;

    /// <summary>Tokenizer vocabulary size.</summary>
    public int VocabSize => Index.VocabSize;

    /// <summary>EOS id placed after each document, or null.</summary>
    public int? EosId => Index.EosId;

    /// <summary>Fingerprint of the tokenizer that produced the tokens.</summary>
    public string TokenizerFingerprint => Index.TokenizerFingerprint;

    /// <summary>
    /// Opens a dataset folder: validates index.json (format, version, dtype, counts) and that every
    /// shard and documents.bin exists with its recorded byte length, then maps them. Checksums are
    /// checked only by <see cref="Verify"/> (it reads everything).
    /// </summary>
    public static TokenDataset Open(string folder)
    {
        folder = Path.GetFullPath(folder);
        var index = DatasetIndex.Load(folder);
        var dtype = index.TokenDType;
        var shards = new MappedShardSet(
            index.Shards.Select(s => Path.Combine(folder, s.File)).ToArray(),
            index.Shards.Select(s => s.Tokens).ToArray(),
            dtype.SizeOf());
        MappedFile? docs = null;
        try
        {
            docs = MappedFile.Open(Path.Combine(folder, index.Documents.File), index.Documents.Bytes);
            var ds = new TokenDataset(folder, index, shards, docs);
            if (ds.DocumentCount > 0 && ds.DocumentStart(0) != 0)
            {
                throw new SiftException($"{Path.Combine(folder, index.Documents.File)}: first document offset is {ds.DocumentStart(0)}, expected 0");
            }
            return ds;
        }
        catch
        {
            docs?.Dispose();
            shards.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Recomputes the SHA-256 of every shard and documents.bin and compares with index.json.
    /// Throws <see cref="SiftException"/> naming the file with expected and actual checksums.
    /// </summary>
    public void Verify()
    {
        foreach (var s in Index.Shards)
        {
            CheckSha(s.File, s.Sha256);
        }
        CheckSha(Index.Documents.File, Index.Documents.Sha256);
    }

    private void CheckSha(string file, string expected)
    {
        string path = Path.Combine(Folder, file);
        string actual = Hashing.Sha256File(path);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new SiftException($"{path}: checksum mismatch in shard {file}: expected sha256 {expected}, actual {actual}");
        }
    }

    /// <summary>Throws unless <paramref name="tokenizer"/> is the one the dataset was packed with.</summary>
    public void EnsureTokenizer(ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.Fingerprint != TokenizerFingerprint || tokenizer.VocabSize != VocabSize)
        {
            throw new SiftException(
                $"{Path.Combine(Folder, DatasetIndex.FileName)}: packed with tokenizer {TokenizerFingerprint} (vocab {VocabSize}), " +
                $"but the given tokenizer is {tokenizer.Fingerprint} (vocab {tokenizer.VocabSize})");
        }
    }

    /// <inheritdoc/>
    public void ReadTokens(long start, Span<int> dest)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (start < 0 || start > TotalTokens - dest.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens [{start}, {start + dest.Length}) outside [0, {TotalTokens})");
        }
        while (!dest.IsEmpty)
        {
            int shard = _shards.ShardOf(start);
            long offset = start - _shards.ShardStart(shard);
            int n = (int)Math.Min(dest.Length, _shards.ShardEnd(shard) - start);
            var file = _shards.File(shard);
            if (DType == TokenDType.UInt16)
            {
                TokenCodec.DecodeUInt16(file.Span<ushort>(offset, n), dest[..n]);
            }
            else
            {
                TokenCodec.DecodeUInt32(file.Span<uint>(offset, n), dest[..n]);
            }
            dest = dest[n..];
            start += n;
        }
    }

    /// <summary>Global token offset where document <paramref name="document"/> starts.</summary>
    public long DocumentStart(long document)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(document);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(document, DocumentCount);
        ulong raw = _documents.Span<ulong>(document, 1)[0];
        return (long)(BitConverter.IsLittleEndian ? raw : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(raw));
    }

    /// <summary>Token range [Start, Start+Length) of a document, its trailing EOS included when present.</summary>
    public (long Start, long Length) Document(long document)
    {
        long start = DocumentStart(document);
        long end = document + 1 < DocumentCount ? DocumentStart(document + 1) : TotalTokens;
        return (start, end - start);
    }

    /// <summary>The document containing global token <paramref name="tokenOffset"/>.</summary>
    public long DocumentAt(long tokenOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokenOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(tokenOffset, TotalTokens);
        long lo = 0, hi = DocumentCount - 1; // answer: last doc with start <= tokenOffset
        while (lo < hi)
        {
            long mid = lo + ((hi - lo + 1) / 2);
            if (DocumentStart(mid) <= tokenOffset)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /// <summary>Unmaps the files.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _shards.Dispose();
        _documents.Dispose();
    }
}
