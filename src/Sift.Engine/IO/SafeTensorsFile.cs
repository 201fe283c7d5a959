using System.IO.MemoryMappedFiles;
using Sift.Core;

namespace Sift.Engine.IO;

/// <summary>
/// A safetensors file opened read-only through a memory map. The header is validated in full on
/// open (see <see cref="SafeTensorsHeader"/>), so every later read stays inside the file.
/// Reads may run concurrently from several threads; dispose only when no read is in flight.
/// </summary>
public sealed unsafe class SafeTensorsFile : ISafeTensorsReader
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly Dictionary<string, TensorInfo> _tensors;
    private bool _disposed;

    private SafeTensorsFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePtr,
        long length, Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePtr;
        FileLength = length;
        _tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>File length in bytes.</summary>
    public long FileLength { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, TensorInfo> Tensors => _tensors;

    /// <summary>The header's "__metadata__" strings (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="SiftException">Missing file, truncated file, or an invalid header.</exception>
    public static SafeTensorsFile Open(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new SiftException($"{full}: safetensors file not found");
        }

        FileStream fs;
        try
        {
            fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SiftException($"{full}: cannot open safetensors file: {e.Message}", e);
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* basePtr = null;
        try
        {
            long length = fs.Length;
            if (length < 8)
            {
                throw new SiftException($"{full}: file is {length} bytes, too short for the 8-byte safetensors header length (truncated?)");
            }

            map = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
            basePtr += view.PointerOffset;

            ulong headerLength = *(ulong*)basePtr; // little-endian host checked below
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("safetensors reading assumes a little-endian machine");
            }

            if (headerLength < 2 || headerLength > SafeTensorsHeader.MaxHeaderBytes)
            {
                throw new SiftException(
                    $"{full}: safetensors header length {headerLength} is not sane (expected 2..{SafeTensorsHeader.MaxHeaderBytes} bytes)");
            }

            if ((long)headerLength > length - 8)
            {
                throw new SiftException(
                    $"{full}: safetensors header length {headerLength} is larger than the file allows: the file is {length} bytes, " +
                    $"so at most {length - 8} header bytes (truncated file?)");
            }

            var json = new ReadOnlySpan<byte>(basePtr + 8, (int)headerLength);
            var (tensors, metadata) = SafeTensorsHeader.Parse(json, full, length);
            return new SafeTensorsFile(full, map, view, basePtr, length, tensors, metadata);
        }
        catch
        {
            if (basePtr != null)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view?.Dispose();
            if (map != null)
            {
                map.Dispose();
            }
            else
            {
                fs.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc/>
    public TensorInfo GetTensor(string name)
    {
        ThrowIfDisposed();
        if (!_tensors.TryGetValue(name, out TensorInfo? info))
        {
            throw new SiftException($"{Path}: no tensor named '{name}' (the file has {_tensors.Count} tensors)");
        }

        return info;
    }

    /// <inheritdoc/>
    public void ReadAsFloat32(string name, Span<float> destination)
    {
        TensorInfo info = GetTensor(name);
        CheckFloatReadable(info, destination.Length);
        fixed (float* dst = destination)
        {
            FloatConversions.ToFloat32(info.DType, _base + info.ByteOffset, dst, info.ElementCount);
        }
    }

    /// <summary>
    /// Pointer form of <see cref="ReadAsFloat32(string, Span{float})"/> for native buffers and tensors of
    /// 2^31 elements or more; <paramref name="length"/> must equal the element count.
    /// </summary>
    public void ReadAsFloat32(string name, float* destination, long length)
    {
        TensorInfo info = GetTensor(name);
        CheckFloatReadable(info, length);
        FloatConversions.ToFloat32(info.DType, _base + info.ByteOffset, destination, info.ElementCount);
    }

    /// <summary>Allocates and returns the tensor as float32.</summary>
    public float[] ReadAsFloat32(string name)
    {
        TensorInfo info = GetTensor(name);
        var result = new float[info.ElementCount];
        ReadAsFloat32(name, result);
        return result;
    }

    /// <inheritdoc/>
    public ReadOnlySpan<byte> RawBytes(string name)
    {
        TensorInfo info = GetTensor(name);
        if (info.ByteLength > int.MaxValue)
        {
            throw new SiftException($"{Path}: tensor '{name}' is {info.ByteLength} bytes, too large for a span; use RawPointer");
        }

        return new ReadOnlySpan<byte>(_base + info.ByteOffset, (int)info.ByteLength);
    }

    /// <summary>Address of the tensor's first stored byte (any alignment), valid until disposal.</summary>
    public byte* RawPointer(string name) => _base + GetTensor(name).ByteOffset;

    private void CheckFloatReadable(TensorInfo info, long destinationLength)
    {
        if (info.DType is not (SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.F64))
        {
            throw new SiftException(
                $"{Path}: tensor '{info.Name}' has dtype {info.DType.HeaderName()}; ReadAsFloat32 reads F32, F16, BF16 or F64");
        }

        if (destinationLength != info.ElementCount)
        {
            throw new SiftException(
                $"{Path}: tensor '{info.Name}' has shape {info.ShapeText} = {info.ElementCount} elements, " +
                $"but the destination holds {destinationLength}");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_view != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _map?.Dispose();
    }
}
