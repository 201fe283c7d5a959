namespace Sift.Hub;

/// <summary>
/// Fetches a chosen set of a repository's files at one commit (as huggingface_hub's snapshot_download does: the
/// revision is resolved to a commit once, so every file comes from the same commit) or, offline or when the Hub cannot
/// be reached, finds them in the cached snapshot the revision last pointed at.
/// </summary>
public sealed class HubSnapshot(HubDownloader downloader, HubClient client)
{
    /// <summary>
    /// Resolves the revision, lets <paramref name="choose"/> pick files from the listing (it may fetch some of them,
    /// e.g. a shard index, through the given fetch function), fetches them and returns the snapshot folder.
    /// </summary>
    public async Task<string> FetchAsync(HubRepo repo, Func<IReadOnlyList<string>, Func<string, Task<string>>, Task<IReadOnlyList<(string File, string? Sha256)>>> choose,
        Func<string, IReadOnlyList<string>, string?> checkCached, CancellationToken ct = default)
    {
        var cache = downloader.Cache;
        HubListing? listing = null;
        if (!downloader.Settings.Offline)
        {
            try
            {
                listing = await client.ListAsync(repo, ct).ConfigureAwait(false);
            }
            catch (HubException ex) when (ex.Kind == HubErrorKind.Connection)
            {
                if (CachedSnapshot(repo, checkCached) is { } dir)
                {
                    downloader.Note?.Invoke($"{ex.Message}; using the cached snapshot {dir}");
                    return dir;
                }
                throw new HubException(HubErrorKind.Connection,
                    $"{repo}: {ex.Message}, and it is not in the Hub cache at {cache.Root} (HF_ENDPOINT sets another address, HF_HUB_CACHE another cache)", ex);
            }
        }
        if (listing is null)
        {
            return CachedSnapshot(repo, checkCached) ?? throw NotCached(repo, checkCached);
        }
        cache.WriteRef(repo, repo.Revision, listing.Commit);
        var pinned = repo with { Revision = listing.Commit };
        var chosen = await choose(listing.Files, f => downloader.FetchAsync(pinned, f, null, ct)).ConfigureAwait(false);
        foreach (var (file, sha) in chosen)
        {
            await downloader.FetchAsync(pinned, file, sha, ct).ConfigureAwait(false);
        }
        return cache.SnapshotDir(repo, listing.Commit);
    }

    private string? CachedSnapshot(HubRepo repo, Func<string, IReadOnlyList<string>, string?> checkCached)
    {
        var cache = downloader.Cache;
        return cache.CommitFor(repo) is { } commit && checkCached(cache.SnapshotDir(repo, commit), cache.SnapshotFiles(repo, commit)) is null
            ? cache.SnapshotDir(repo, commit)
            : null;
    }

    private HubException NotCached(HubRepo repo, Func<string, IReadOnlyList<string>, string?> checkCached)
    {
        var cache = downloader.Cache;
        string why = cache.CommitFor(repo) is { } commit
            ? checkCached(cache.SnapshotDir(repo, commit), cache.SnapshotFiles(repo, commit)) ?? "incomplete"
            : $"the cache has never seen revision '{repo.Revision}'";
        return new HubException(HubErrorKind.NotCached,
            $"{repo} is not usable from the Hub cache at {cache.Root} ({why}) and downloads are off (HF_HUB_OFFLINE=1 or --offline); run once without offline mode to download it");
    }
}
