namespace Sift.Grading.Parsing;

/// <summary>The only exception the math parser throws: the input is not a supported expression.</summary>
public sealed class ParseException : Exception
{
    /// <summary>Creates the exception with a message naming what was expected.</summary>
    public ParseException(string message)
        : base(message)
    {
    }
}
