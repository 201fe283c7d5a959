namespace Sift.Hub;

/// <summary>
/// What <c>HEAD {endpoint}/{repo}/resolve/{revision}/{file}</c> says about a file: the commit the revision resolved to
/// (<c>X-Repo-Commit</c>), the content's etag (<c>X-Linked-Etag</c> for LFS files, where it is the sha256 of the
/// content; else <c>ETag</c>, the git blob sha1), its size (<c>X-Linked-Size</c>, else <c>Content-Length</c>) and
/// where to GET it (the redirect's target for LFS files).
/// </summary>
public sealed record HubFileInfo(string Commit, string Etag, long Size, Uri DownloadUri);

/// <summary>A repository's files at a revision (<c>GET /api/{models|datasets}/{repo}/revision/{revision}</c>).</summary>
public sealed record HubListing(string Commit, IReadOnlyList<string> Files);

/// <summary>Download progress of one file: bytes present (resumed ones included), its size and how many were resumed.</summary>
public sealed record DownloadProgress(string File, long Done, long Total, long Resumed);
