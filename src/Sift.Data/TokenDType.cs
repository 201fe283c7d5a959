using Sift.Core;

namespace Sift.Data;

/// <summary>On-disk element type of a token shard.</summary>
public enum TokenDType
{
    /// <summary>Little-endian uint16; used when the vocabulary has at most 65,535 ids.</summary>
    UInt16,

    /// <summary>Little-endian uint32; used for larger vocabularies.</summary>
    UInt32,
}

/// <summary>Names, sizes and selection rules for <see cref="TokenDType"/>.</summary>
public static class TokenDTypes
{
    /// <summary>Largest vocabulary stored as uint16 (65,535 ids: 0 .. 65,534).</summary>
    public const int MaxUInt16Vocab = 65_535;

    /// <summary>The narrowest dtype that holds every id of a vocabulary of <paramref name="vocabSize"/>.</summary>
    public static TokenDType ForVocab(int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        return vocabSize <= MaxUInt16Vocab ? TokenDType.UInt16 : TokenDType.UInt32;
    }

    /// <summary>Bytes per token.</summary>
    public static int SizeOf(this TokenDType dtype) => dtype == TokenDType.UInt16 ? 2 : 4;

    /// <summary>The name written in index.json ("uint16" / "uint32").</summary>
    public static string Name(this TokenDType dtype) => dtype == TokenDType.UInt16 ? "uint16" : "uint32";

    /// <summary>Parses an index.json dtype name; <paramref name="where"/> names the file for the error.</summary>
    public static TokenDType Parse(string? name, string where) => name switch
    {
        "uint16" => TokenDType.UInt16,
        "uint32" => TokenDType.UInt32,
        _ => throw new SiftException($"{where}: field \"dtype\" is \"{name}\", expected \"uint16\" or \"uint32\""),
    };
}
