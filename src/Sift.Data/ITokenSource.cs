namespace Sift.Data;

/// <summary>A random-access stream of token ids (a packed dataset, or an in-memory array in tests).</summary>
public interface ITokenSource
{
    /// <summary>Tokens in the stream.</summary>
    long TotalTokens { get; }

    /// <summary>Copies tokens [start, start + dest.Length) into <paramref name="dest"/>.</summary>
    void ReadTokens(long start, Span<int> dest);
}
