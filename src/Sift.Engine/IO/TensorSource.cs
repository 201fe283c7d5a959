namespace Sift.Engine.IO;

/// <summary>
/// Fills <paramref name="destination"/> with the float32 elements starting at flat (row-major) index
/// <paramref name="elementOffset"/> of one tensor. The writer calls it with consecutive chunks.
/// </summary>
public delegate void TensorChunkReader(long elementOffset, Span<float> destination);

/// <summary>
/// A tensor to be written: name, shape and a way to produce its float32 data in chunks, so that a
/// multi-gigabyte model streams to disk without a second copy in memory.
/// </summary>
public sealed class TensorSource
{
    private TensorSource(string name, long[] shape, TensorChunkReader read)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] has a negative dimension", nameof(shape));
            }

            count = checked(count * d);
        }

        Name = name;
        Shape = (long[])shape.Clone();
        ElementCount = count;
        Read = read;
    }

    /// <summary>Tensor name.</summary>
    public string Name { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public long[] Shape { get; }

    /// <summary>Product of the shape (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Produces the data chunk by chunk.</summary>
    public TensorChunkReader Read { get; }

    /// <summary>A tensor whose data is already in managed or pinned memory.</summary>
    public static TensorSource FromMemory(string name, long[] shape, ReadOnlyMemory<float> data)
    {
        var source = new TensorSource(name, shape, (offset, dst) => data.Span.Slice((int)offset, dst.Length).CopyTo(dst));
        if (source.ElementCount != data.Length)
        {
            throw new ArgumentException(
                $"tensor '{name}': shape [{string.Join(", ", shape)}] has {source.ElementCount} elements but the data has {data.Length}",
                nameof(data));
        }

        return source;
    }

    /// <summary>
    /// A tensor living in native memory (e.g. a slice of the engine's flat parameter buffer).
    /// The memory must stay valid until the write returns.
    /// </summary>
    public static unsafe TensorSource FromPointer(string name, long[] shape, float* data)
    {
        nint address = (nint)data;
        return new TensorSource(name, shape, (offset, dst) => new ReadOnlySpan<float>((float*)address + offset, dst.Length).CopyTo(dst));
    }

    /// <summary>A tensor whose data a callback produces on demand (e.g. transposing or gathering on the fly).</summary>
    public static TensorSource FromChunks(string name, long[] shape, TensorChunkReader read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return new TensorSource(name, shape, read);
    }
}
