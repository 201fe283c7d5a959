using System.IO.MemoryMappedFiles;
using Sift.Core;

namespace Sift.Data;

/// <summary>A read-only memory map of a whole file, exposed as a raw pointer (zero-length files map to nothing).</summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _base;

    private MappedFile(MemoryMappedFile? map, MemoryMappedViewAccessor? view, long length)
    {
        _map = map;
        _view = view;
        Length = length;
        if (view is not null)
        {
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + view.PointerOffset;
        }
    }

    public long Length { get; }

    /// <summary>Maps <paramref name="path"/>; its length must equal <paramref name="expectedLength"/>.</summary>
    public static MappedFile Open(string path, long expectedLength)
    {
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: file is missing (expected {expectedLength} bytes)");
        }
        long actual = new FileInfo(path).Length;
        if (actual != expectedLength)
        {
            throw new SiftException($"{path}: file is {actual} bytes, expected {expectedLength} bytes (truncated or overwritten?)");
        }
        if (actual == 0)
        {
            return new MappedFile(null, null, 0);
        }
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            var view = map.CreateViewAccessor(0, actual, MemoryMappedFileAccess.Read);
            return new MappedFile(map, view, actual);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>Elements [<paramref name="start"/>, start+count) viewed as <typeparamref name="T"/> (caller checks bounds).</summary>
    public ReadOnlySpan<T> Span<T>(long start, int count) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_base == null && Length != 0, this);
        return new ReadOnlySpan<T>(_base + (start * sizeof(T)), count);
    }

    public void Dispose()
    {
        if (_view is not null && _base != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _base = null;
        }
        _view?.Dispose();
        _map?.Dispose();
    }
}
