namespace Sift.Engine.IO;

/// <summary>One tensor's header entry.</summary>
/// <param name="Name">Tensor name, e.g. "model.layers.0.self_attn.q_proj.weight".</param>
/// <param name="DType">Element type as stored.</param>
/// <param name="Shape">Dimensions, outermost first (row-major); empty for a scalar.</param>
/// <param name="ByteOffset">Offset of the first byte from the start of the FILE (not the data region).</param>
/// <param name="ByteLength">Number of data bytes (= element count × element size).</param>
public sealed record TensorInfo(string Name, SafeTensorsDType DType, long[] Shape, long ByteOffset, long ByteLength)
{
    /// <summary>Number of elements (product of the shape; 1 for a scalar).</summary>
    public long ElementCount => ByteLength / DType.ElementSize();

    /// <summary>Shape rendered like "[32000, 2048]" for messages.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
