using System.Net;
using Sift.Core;

namespace Sift.Remote;

/// <summary>A server answered with a non-success status. The message carries the server's own error text.</summary>
public sealed class RemoteHttpException : SiftException
{
    /// <summary>Creates the exception.</summary>
    public RemoteHttpException(string message, HttpStatusCode status, TimeSpan? retryAfter = null) : base(message)
    {
        Status = status;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The server's Retry-After, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>408, 429 and 5xx are worth retrying; other 4xx mean the request itself is wrong.</summary>
    public bool IsTransient => (int)Status is 408 or 429 or >= 500;
}

/// <summary>Every attempt failed with a transient error (server down, overloaded or timing out).</summary>
public sealed class RemoteUnavailableException(string message, Exception inner) : SiftException(message, inner);
