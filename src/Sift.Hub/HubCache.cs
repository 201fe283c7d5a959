using Sift.Core;

namespace Sift.Hub;

/// <summary>
/// The Hub cache layout shared with huggingface_hub: <c>{cache}/models--org--name/</c> holds <c>blobs/{etag}</c>
/// (content named by its sha256 for LFS files, its git blob sha1 otherwise), <c>snapshots/{commit}/{file}</c> (relative
/// symlinks to blobs), <c>refs/{branch}</c> (the commit a branch or tag pointed at when last seen) and
/// <c>.no_exist/{commit}/{file}</c> (files known to be absent).
/// </summary>
public sealed class HubCache(string root)
{
    /// <summary>The cache folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The repository's folder.</summary>
    public string RepoDir(HubRepo repo) => Path.Combine(Root, repo.FolderName);

    /// <summary>Where a blob with this etag lives.</summary>
    public string BlobPath(HubRepo repo, string etag) => Path.Combine(RepoDir(repo), "blobs", etag);

    /// <summary>A commit's snapshot folder.</summary>
    public string SnapshotDir(HubRepo repo, string commit) => Path.Combine(RepoDir(repo), "snapshots", commit);

    /// <summary>A file's path in a commit's snapshot.</summary>
    public string SnapshotPath(HubRepo repo, string commit, string file) => Path.Combine(SnapshotDir(repo, commit), ToLocal(file));

    /// <summary>The marker of a file that the Hub said is absent at a commit.</summary>
    public string NoExistPath(HubRepo repo, string commit, string file) => Path.Combine(RepoDir(repo), ".no_exist", commit, ToLocal(file));

    /// <summary>The lock taken while a blob is downloaded (the same path huggingface_hub locks).</summary>
    public string LockPath(HubRepo repo, string etag) => Path.Combine(Root, ".locks", repo.FolderName, etag + ".lock");

    /// <summary>
    /// The commit the cache knows for the repository's revision: the revision itself when it is a commit hash,
    /// else the content of <c>refs/{revision}</c>; null when the cache has never seen it.
    /// </summary>
    public string? CommitFor(HubRepo repo)
    {
        if (repo.RevisionIsCommit)
        {
            return repo.Revision;
        }
        string refPath = RefPath(repo, repo.Revision);
        if (!File.Exists(refPath))
        {
            return null;
        }
        string commit = File.ReadAllText(refPath).Trim();
        return HubRepo.IsCommitHash(commit) ? commit : null;
    }

    /// <summary>Records that <paramref name="revision"/> points at <paramref name="commit"/> (no write when unchanged).</summary>
    public void WriteRef(HubRepo repo, string revision, string commit)
    {
        if (revision == commit)
        {
            return;
        }
        string refPath = RefPath(repo, revision);
        if (File.Exists(refPath) && File.ReadAllText(refPath).Trim() == commit)
        {
            return;
        }
        // huggingface_hub writes the bare hash, no newline.
        Directory.CreateDirectory(Path.GetDirectoryName(refPath)!);
        Sift.Core.IO.AtomicFile.WriteAllText(refPath, commit);
    }

    /// <summary>The cached file for the repository's revision, or null (also null when the snapshot link is dangling).</summary>
    public string? TryGetFile(HubRepo repo, string file) =>
        CommitFor(repo) is { } commit && File.Exists(SnapshotPath(repo, commit, file)) ? SnapshotPath(repo, commit, file) : null;

    /// <summary>
    /// Points the snapshot entry at the blob with a relative symlink (<c>../../blobs/{etag}</c>, deeper for files in
    /// folders), as huggingface_hub does; where symlinks are refused the blob is copied instead.
    /// </summary>
    public void LinkSnapshot(HubRepo repo, string commit, string file, string etag)
    {
        string pointer = SnapshotPath(repo, commit, file);
        string blob = BlobPath(repo, etag);
        string dir = Path.GetDirectoryName(pointer)!;
        Directory.CreateDirectory(dir);
        string relative = Path.GetRelativePath(dir, blob);
        if (File.Exists(pointer) || IsLink(pointer))
        {
            File.Delete(pointer);
        }
        try
        {
            File.CreateSymbolicLink(pointer, relative);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, pointer, overwrite: true);
        }
    }

    /// <summary>Marks a file as absent at a commit, so offline runs know not to look for it.</summary>
    public void MarkMissing(HubRepo repo, string commit, string file)
    {
        string p = NoExistPath(repo, commit, file);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        if (!File.Exists(p))
        {
            File.WriteAllBytes(p, []);
        }
    }

    /// <summary>True when the Hub said the file is absent at the commit.</summary>
    public bool KnownMissing(HubRepo repo, string commit, string file) => File.Exists(NoExistPath(repo, commit, file));

    /// <summary>The files of a cached snapshot as repository paths ('/'-separated), sorted; empty when absent.</summary>
    public IReadOnlyList<string> SnapshotFiles(HubRepo repo, string commit)
    {
        string dir = SnapshotDir(repo, commit);
        if (!Directory.Exists(dir))
        {
            return [];
        }
        return [.. Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(File.Exists)
            .Select(f => Path.GetRelativePath(dir, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)];
    }

    private string RefPath(HubRepo repo, string revision) => Path.Combine(RepoDir(repo), "refs", ToLocal(revision));

    // Repository paths use '/', and must stay inside the snapshot.
    private static string ToLocal(string file)
    {
        if (file.Length == 0 || file.StartsWith('/') || file.Split('/').Any(p => p is "" or "." or ".."))
        {
            throw new SiftException($"'{file}': not a valid file path inside a Hub repository");
        }
        return file.Replace('/', Path.DirectorySeparatorChar);
    }

    private static bool IsLink(string p) => new FileInfo(p).LinkTarget is not null;
}
