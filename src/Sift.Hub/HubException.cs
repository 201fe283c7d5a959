using Sift.Core;

namespace Sift.Hub;

/// <summary>What went wrong talking to the Hub or reading its cache.</summary>
public enum HubErrorKind
{
    /// <summary>The Hub could not be reached (no network, refused, dropped).</summary>
    Connection,

    /// <summary>No such repository (or private / gated without access).</summary>
    RepoNotFound,

    /// <summary>No such branch, tag or commit.</summary>
    RevisionNotFound,

    /// <summary>No such file at the revision.</summary>
    EntryNotFound,

    /// <summary>Access refused: gated or private, and no token or a token without access.</summary>
    Unauthorized,

    /// <summary>Downloaded bytes do not match the hash (or size) the Hub reported or Sift pinned.</summary>
    Mismatch,

    /// <summary>Offline and not in the cache.</summary>
    NotCached,

    /// <summary>Any other failure (an unexpected status, a malformed reply).</summary>
    Other,
}

/// <summary>A Hub failure with a message that says what to do (a <see cref="SiftException"/>, so the CLI prints one line).</summary>
public sealed class HubException : SiftException
{
    /// <summary>Creates the exception.</summary>
    public HubException(HubErrorKind kind, string message, Exception? inner = null) : base(message, inner!) => Kind = kind;

    /// <summary>The kind of failure.</summary>
    public HubErrorKind Kind { get; }
}
