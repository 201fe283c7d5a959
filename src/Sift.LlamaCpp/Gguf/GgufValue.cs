namespace Sift.LlamaCpp.Gguf;

/// <summary>
/// One metadata value: a scalar (<see cref="Value"/> boxed as its CLR type: uint, int, float, bool, string, ...) or an
/// array (<see cref="Value"/> a CLR array of the <see cref="ElementType"/>'s CLR type).
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    /// <summary>A uint32.</summary>
    public static GgufValue U32(uint v) => new(GgufValueType.UInt32, v);

    /// <summary>An int32.</summary>
    public static GgufValue I32(int v) => new(GgufValueType.Int32, v);

    /// <summary>A float32.</summary>
    public static GgufValue F32(float v) => new(GgufValueType.Float32, v);

    /// <summary>A bool.</summary>
    public static GgufValue Bool(bool v) => new(GgufValueType.Bool, v);

    /// <summary>A string.</summary>
    public static GgufValue Str(string v) => new(GgufValueType.String, v);

    /// <summary>An array of strings.</summary>
    public static GgufValue Strings(string[] v) => new(GgufValueType.Array, v, GgufValueType.String);

    /// <summary>An array of int32.</summary>
    public static GgufValue Ints(int[] v) => new(GgufValueType.Array, v, GgufValueType.Int32);

    /// <summary>An array of float32.</summary>
    public static GgufValue Floats(float[] v) => new(GgufValueType.Array, v, GgufValueType.Float32);

    /// <summary>The value as a uint32 (any integer scalar type that fits), or a <see cref="FormatException"/>.</summary>
    public uint AsU32() => Value switch
    {
        uint u => u,
        int i when i >= 0 => (uint)i,
        ulong l when l <= uint.MaxValue => (uint)l,
        long l when l is >= 0 and <= uint.MaxValue => (uint)l,
        ushort s => s,
        byte b => b,
        _ => throw new FormatException($"expected an unsigned integer, found {Type}"),
    };

    /// <summary>A readable rendering (arrays by their length).</summary>
    public override string ToString() => Value is Array a ? $"[{ElementType} × {a.Length}]" : $"{Value}";
}
