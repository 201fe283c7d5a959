namespace Sift.Engine.IO;

/// <summary>Read access to named tensors, from one safetensors file or a sharded set.</summary>
public interface ISafeTensorsReader : IDisposable
{
    /// <summary>All tensors by name.</summary>
    IReadOnlyDictionary<string, TensorInfo> Tensors { get; }

    /// <summary>Looks a tensor up; throws <see cref="Sift.Core.SiftException"/> naming the file when absent.</summary>
    TensorInfo GetTensor(string name);

    /// <summary>
    /// Converts the tensor (F32, F16, BF16 or F64) to float32 into <paramref name="destination"/>,
    /// whose length must equal the tensor's element count.
    /// </summary>
    void ReadAsFloat32(string name, Span<float> destination);

    /// <summary>The stored bytes of a tensor, valid until the reader is disposed (tensors under 2 GiB).</summary>
    ReadOnlySpan<byte> RawBytes(string name);
}
