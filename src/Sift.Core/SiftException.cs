namespace Sift.Core;

/// <summary>
/// An error caused by the user's input (a file, a field, a flag) rather than a bug.
/// The message names what was wrong and what was expected; the CLI prints it without a stack trace.
/// </summary>
public class SiftException : Exception
{
    /// <summary>Creates the exception with a message that names the file, line or field at fault.</summary>
    public SiftException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception wrapping the low-level cause.</summary>
    public SiftException(string message, Exception inner) : base(message, inner)
    {
    }
}
