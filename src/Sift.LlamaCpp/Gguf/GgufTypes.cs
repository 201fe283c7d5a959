namespace Sift.LlamaCpp.Gguf;

/// <summary>The type tag of a GGUF metadata value (gguf.h's <c>gguf_type</c>).</summary>
public enum GgufValueType : uint
{
    /// <summary>uint8.</summary>
    UInt8 = 0,

    /// <summary>int8.</summary>
    Int8 = 1,

    /// <summary>uint16.</summary>
    UInt16 = 2,

    /// <summary>int16.</summary>
    Int16 = 3,

    /// <summary>uint32.</summary>
    UInt32 = 4,

    /// <summary>int32.</summary>
    Int32 = 5,

    /// <summary>float32.</summary>
    Float32 = 6,

    /// <summary>bool (one byte, 0 or 1).</summary>
    Bool = 7,

    /// <summary>UTF-8 string: uint64 length, then bytes.</summary>
    String = 8,

    /// <summary>Array: element type, uint64 count, elements.</summary>
    Array = 9,

    /// <summary>uint64.</summary>
    UInt64 = 10,

    /// <summary>int64.</summary>
    Int64 = 11,

    /// <summary>float64.</summary>
    Float64 = 12,
}

/// <summary>The tensor encodings Sift writes and reads (ggml's <c>ggml_type</c> numbers).</summary>
public enum GgmlType : uint
{
    /// <summary>float32.</summary>
    F32 = 0,

    /// <summary>IEEE half.</summary>
    F16 = 1,

    /// <summary>Blocks of 32: fp16 scale d, then 32 int8 q; x ≈ d·q.</summary>
    Q8_0 = 8,
}

/// <summary>Sizes and constants of the GGUF v3 container.</summary>
public static class GgufFormat
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>The version written.</summary>
    public const uint Version = 3;

    /// <summary>Data alignment (general.alignment) written and assumed when a file does not say.</summary>
    public const int DefaultAlignment = 32;

    /// <summary>Elements per q8_0 block.</summary>
    public const int Q8Block = 32;

    /// <summary>Bytes per q8_0 block (fp16 scale + 32 int8).</summary>
    public const int Q8BlockBytes = 34;

    /// <summary>Bytes of a row of <paramref name="n"/> elements in <paramref name="type"/>.</summary>
    public static long RowBytes(GgmlType type, long n) => type switch
    {
        GgmlType.F32 => 4 * n,
        GgmlType.F16 => 2 * n,
        GgmlType.Q8_0 => n / Q8Block * Q8BlockBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type"),
    };

    /// <summary>Whether Sift knows the type's size.</summary>
    public static bool IsKnown(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.Q8_0;

    /// <summary>Rounds <paramref name="offset"/> up to a multiple of <paramref name="alignment"/>.</summary>
    public static long Align(long offset, int alignment) => (offset + alignment - 1) / alignment * alignment;
}
