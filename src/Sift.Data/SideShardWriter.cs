using System.Runtime.InteropServices;
using Sift.Core;

namespace Sift.Data;

/// <summary>
/// Writes a per-token side array aligned 1:1 with a parent token dataset: values are appended in
/// stream order and cut into shards with exactly the parent's per-shard token counts.
/// Little-endian hosts only (the format is little-endian, like the token shards).
/// </summary>
public sealed class SideShardWriter<T> : IDisposable where T : unmanaged
{
    private readonly string _folder;
    private readonly DatasetIndex _parent;
    private readonly SideIndex _index;
    private HashingFileWriter? _shard;
    private int _shardIndex;
    private long _inShard;

    /// <summary>Starts a side array for <paramref name="parent"/> in <paramref name="folder"/> (replacing any there).</summary>
    public SideShardWriter(string folder, DatasetIndex parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("side shards are little-endian");
        }
        _folder = Path.GetFullPath(folder);
        _parent = parent;
        _index = new SideIndex
        {
            Dtype = SideDType.NameOf<T>(),
            ElementBytes = Marshal.SizeOf<T>(),
            ParentTotalTokens = parent.TotalTokens,
            ParentTokenizerFingerprint = parent.TokenizerFingerprint,
            ParentContentFingerprint = parent.ContentFingerprint(),
        };
        Directory.CreateDirectory(_folder);
        File.Delete(Path.Combine(_folder, SideIndex.FileName)); // an interrupted rewrite must not look valid
    }

    /// <summary>Starts a side array for an opened dataset.</summary>
    public SideShardWriter(string folder, TokenDataset parent) : this(folder, parent.Index)
    {
    }

    /// <summary>Elements written so far (= the next token offset).</summary>
    public long Written { get; private set; }

    /// <summary>Appends values for the next tokens of the stream.</summary>
    public void Append(ReadOnlySpan<T> values)
    {
        if (Written + values.Length > _parent.TotalTokens)
        {
            throw new InvalidOperationException($"side array would hold {Written + values.Length} values; the parent stream has {_parent.TotalTokens} tokens");
        }
        while (!values.IsEmpty)
        {
            long shardTokens = _parent.Shards[_shardIndex].Tokens;
            _shard ??= new HashingFileWriter(Path.Combine(_folder, SideIndex.ShardFileName(_shardIndex)));
            int n = (int)Math.Min(values.Length, shardTokens - _inShard);
            _shard.Write(MemoryMarshal.AsBytes(values[..n]));
            _inShard += n;
            Written += n;
            values = values[n..];
            if (_inShard == shardTokens)
            {
                _index.Shards.Add(new ShardEntry
                {
                    File = SideIndex.ShardFileName(_shardIndex),
                    Tokens = shardTokens,
                    Bytes = _shard.Length,
                    Sha256 = _shard.Commit(),
                    FirstDocument = _parent.Shards[_shardIndex].FirstDocument,
                });
                _shard.Dispose();
                _shard = null;
                _shardIndex++;
                _inShard = 0;
            }
        }
    }

    /// <summary>Writes side-index.json (last); every parent token must have a value.</summary>
    public SideIndex Complete()
    {
        if (Written != _parent.TotalTokens)
        {
            throw new SiftException($"{_folder}: side array has {Written} values, the parent stream has {_parent.TotalTokens} tokens");
        }
        _index.Save(_folder);
        return _index;
    }

    /// <summary>Deletes an unfinished shard's temp file.</summary>
    public void Dispose() => _shard?.Dispose();
}
