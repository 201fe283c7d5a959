namespace Sift.Engine.Tensors;

/// <summary>
/// The native buffers one owner allocates up front, each declared once by name: allocation, accounting
/// (<see cref="Bytes"/>) and disposal all walk the same table, so none of them can miss a buffer.
/// </summary>
public sealed class BufferArena : IDisposable
{
    private readonly List<(string Name, NativeBuffer Buffer)> _buffers = [];

    /// <summary>Allocates a zeroed buffer of <paramref name="length"/> floats and records it under <paramref name="name"/>.</summary>
    public NativeBuffer Add(string name, long length)
    {
        var b = new NativeBuffer(length);
        _buffers.Add((name, b));
        return b;
    }

    /// <summary>Bytes held by every buffer.</summary>
    public long Bytes => _buffers.Sum(b => b.Buffer.Length * sizeof(float));

    /// <summary>Each buffer's name and size in bytes, in declaration order (for reports).</summary>
    public IReadOnlyList<(string Name, long Bytes)> Breakdown => [.. _buffers.Select(b => (b.Name, b.Buffer.Length * sizeof(float)))];

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, b) in _buffers)
        {
            b.Dispose();
        }
        _buffers.Clear();
    }
}
