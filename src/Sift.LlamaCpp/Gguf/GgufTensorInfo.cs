namespace Sift.LlamaCpp.Gguf;

/// <summary>A tensor's entry in the GGUF header.</summary>
/// <param name="Name">Tensor name (llama.cpp convention, e.g. <c>blk.0.attn_q.weight</c>).</param>
/// <param name="Dims">ggml dims: ne[0] is the innermost (row length), so a [rows, cols] matrix is {cols, rows}.</param>
/// <param name="Type">Encoding.</param>
/// <param name="Offset">Byte offset of the data, relative to the start of the data section.</param>
public sealed record GgufTensorInfo(string Name, long[] Dims, GgmlType Type, long Offset)
{
    /// <summary>Element count.</summary>
    public long Elements => Dims.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes of data.</summary>
    public long Bytes => GgufFormat.RowBytes(Type, Dims[0]) * (Elements / Math.Max(1, Dims[0]));
}
