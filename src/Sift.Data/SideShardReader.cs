using System.Runtime.InteropServices;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.Data;

/// <summary>
/// Reads a side array written by <see cref="SideShardWriter{T}"/>. Opening refuses a side folder whose
/// dtype, parent token count, parent fingerprints or shard layout do not match the given dataset.
/// </summary>
public sealed class SideShardReader<T> : ISideData<T>, IDisposable where T : unmanaged
{
    private readonly MappedShardSet _shards;

    private SideShardReader(string folder, SideIndex index, MappedShardSet shards)
    {
        Folder = folder;
        Index = index;
        _shards = shards;
    }

    /// <summary>The side folder.</summary>
    public string Folder { get; }

    /// <summary>The parsed side-index.json.</summary>
    public SideIndex Index { get; }

    /// <summary>Elements (= parent tokens).</summary>
    public long Count => _shards.Total;

    /// <summary>Opens <paramref name="folder"/> as the side array of <paramref name="parent"/>.</summary>
    public static SideShardReader<T> Open(string folder, TokenDataset parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        folder = Path.GetFullPath(folder);
        var index = SideIndex.Load(folder);
        string path = Path.Combine(folder, SideIndex.FileName);
        string want = SideDType.NameOf<T>();
        if (index.Dtype != want || index.ElementBytes != Marshal.SizeOf<T>())
        {
            throw new SiftException($"{path}: side array dtype is {index.Dtype} ({index.ElementBytes} bytes), the reader expects {want}");
        }
        if (index.ParentTotalTokens != parent.TotalTokens)
        {
            throw new SiftException($"{path}: side array is for a stream of {index.ParentTotalTokens} tokens, but {parent.Folder} has {parent.TotalTokens}");
        }
        if (index.ParentTokenizerFingerprint != parent.TokenizerFingerprint)
        {
            throw new SiftException($"{path}: side array is for tokenizer {index.ParentTokenizerFingerprint}, but {parent.Folder} uses {parent.TokenizerFingerprint}");
        }
        string content = parent.Index.ContentFingerprint();
        if (index.ParentContentFingerprint != content)
        {
            throw new SiftException($"{path}: side array is for dataset content {index.ParentContentFingerprint}, but {parent.Folder} is {content}");
        }
        var parentShards = parent.Index.Shards;
        if (index.Shards.Count != parentShards.Count || index.Shards.Where((s, i) => s.Tokens != parentShards[i].Tokens).Any())
        {
            throw new SiftException($"{path}: side shard token counts do not match the parent's shards");
        }
        var shards = new MappedShardSet(
            index.Shards.Select(s => Path.Combine(folder, s.File)).ToArray(),
            index.Shards.Select(s => s.Tokens).ToArray(),
            index.ElementBytes);
        return new SideShardReader<T>(folder, index, shards);
    }

    /// <summary>Copies values for tokens [start, start + dest.Length).</summary>
    public void Read(long start, Span<T> dest)
    {
        if (start < 0 || start > Count - dest.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"values [{start}, {start + dest.Length}) outside [0, {Count})");
        }
        while (!dest.IsEmpty)
        {
            int shard = _shards.ShardOf(start);
            long offset = start - _shards.ShardStart(shard);
            int n = (int)Math.Min(dest.Length, _shards.ShardEnd(shard) - start);
            _shards.File(shard).Span<T>(offset, n).CopyTo(dest);
            dest = dest[n..];
            start += n;
        }
    }

    /// <summary>Recomputes side shard checksums; errors name the shard with expected and actual sha256.</summary>
    public void Verify()
    {
        foreach (var s in Index.Shards)
        {
            string p = Path.Combine(Folder, s.File);
            string actual = Hashing.Sha256File(p);
            if (actual != s.Sha256)
            {
                throw new SiftException($"{p}: checksum mismatch in side shard {s.File}: expected sha256 {s.Sha256}, actual {actual}");
            }
        }
    }

    /// <summary>Unmaps the shards.</summary>
    public void Dispose() => _shards.Dispose();
}
