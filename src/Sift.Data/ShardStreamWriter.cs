using System.Buffers.Binary;

namespace Sift.Data;

/// <summary>
/// Appends documents to the token stream: cuts it into shards of at most <c>maxShardTokens</c>
/// (documents may span shards), hashes while writing, and records document start offsets in
/// documents.bin. Every file goes through a temp name; index.json is the caller's last step.
/// </summary>
internal sealed class ShardStreamWriter : IDisposable
{
    private const int ChunkTokens = 1 << 16;

    private readonly string _folder;
    private readonly TokenDType _dtype;
    private readonly long _maxShardTokens;
    private readonly byte[] _chunk;
    private readonly HashingFileWriter _documents;
    private readonly byte[] _offset = new byte[sizeof(ulong)];
    private HashingFileWriter? _shard;
    private long _shardTokens;
    private long _shardFirstDocument;

    public ShardStreamWriter(string folder, TokenDType dtype, long maxShardTokens)
    {
        _folder = folder;
        _dtype = dtype;
        _maxShardTokens = maxShardTokens;
        _chunk = new byte[ChunkTokens * dtype.SizeOf()];
        _documents = new HashingFileWriter(Path.Combine(folder, DatasetIndex.DocumentsFileName));
    }

    public long TotalTokens { get; private set; }

    public long DocumentCount { get; private set; }

    public List<ShardEntry> Shards { get; } = [];

    /// <summary>Appends one document's tokens (EOS already appended by the caller when wanted).</summary>
    public void AddDocument(ReadOnlySpan<int> tokens)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_offset, (ulong)TotalTokens);
        _documents.Write(_offset);
        DocumentCount++;
        while (!tokens.IsEmpty)
        {
            if (_shard is null)
            {
                _shard = new HashingFileWriter(Path.Combine(_folder, DatasetIndex.ShardFileName(Shards.Count)));
                _shardTokens = 0;
                _shardFirstDocument = DocumentCount - 1;
            }
            int n = (int)Math.Min(Math.Min(tokens.Length, ChunkTokens), _maxShardTokens - _shardTokens);
            int bytes = n * _dtype.SizeOf();
            TokenCodec.Encode(tokens[..n], _dtype, _chunk.AsSpan(0, bytes));
            _shard.Write(_chunk.AsSpan(0, bytes));
            _shardTokens += n;
            TotalTokens += n;
            tokens = tokens[n..];
            if (_shardTokens == _maxShardTokens)
            {
                CloseShard();
            }
        }
    }

    private void CloseShard()
    {
        if (_shard is null)
        {
            return;
        }
        var entry = new ShardEntry
        {
            File = DatasetIndex.ShardFileName(Shards.Count),
            Tokens = _shardTokens,
            Bytes = _shard.Length,
            FirstDocument = _shardFirstDocument,
        };
        entry.Sha256 = _shard.Commit();
        _shard.Dispose();
        _shard = null;
        Shards.Add(entry);
    }

    /// <summary>Closes the last shard and documents.bin; returns the documents entry.</summary>
    public DocumentsEntry Finish()
    {
        CloseShard();
        long bytes = _documents.Length;
        string sha = _documents.Commit();
        return new DocumentsEntry { File = DatasetIndex.DocumentsFileName, Count = DocumentCount, Bytes = bytes, Sha256 = sha };
    }

    /// <summary>Deletes uncommitted temp files.</summary>
    public void Dispose()
    {
        _shard?.Dispose();
        _documents.Dispose();
    }
}
