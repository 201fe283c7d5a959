using System.Net;
using Sift.Core.IO;

namespace Sift.Hub;

/// <summary>
/// Fetches single files into the shared Hub cache the way huggingface_hub does: HEAD for commit, etag and size;
/// <c>refs/{revision}</c> updated; an existing blob is linked into the snapshot without downloading; otherwise the
/// bytes go to <c>blobs/{etag}.incomplete</c>, resumed with a Range request after a dropped connection or a killed
/// process, checked against the etag's hash (and a pinned sha256 when the caller has one), then renamed into place
/// and linked. Offline (HF_HUB_OFFLINE=1, --offline) only the cache is read.
/// </summary>
public sealed class HubDownloader(HubSettings settings, HubClient client)
{
    /// <summary>The cache this downloader fills.</summary>
    public HubCache Cache { get; } = new(settings.CacheDir);

    /// <summary>Settings in use.</summary>
    public HubSettings Settings => settings;

    /// <summary>Hears about download progress (at most every 256 KiB, and at the end of each file).</summary>
    public Action<DownloadProgress>? Progress { get; init; }

    /// <summary>Hears one-line notes (a resumed download, a retry, the cache used because the Hub is unreachable).</summary>
    public Action<string>? Note { get; init; }

    /// <summary>
    /// The local path of <paramref name="file"/> at the repository's revision (a snapshot entry), downloading it when
    /// needed. <paramref name="sha256"/>, when given, must match the content (checked on cached files too).
    /// </summary>
    public async Task<string> FetchAsync(HubRepo repo, string file, string? sha256 = null, CancellationToken ct = default)
    {
        if (repo.RevisionIsCommit && Cache.TryGetFile(repo, file) is { } pinned)
        {
            return CheckPinned(pinned, file, sha256);
        }
        if (settings.Offline)
        {
            return CheckPinned(Cache.TryGetFile(repo, file) ?? throw NotCached(repo, file), file, sha256);
        }
        HubFileInfo info;
        try
        {
            info = await client.HeadAsync(repo, file, ct).ConfigureAwait(false);
        }
        catch (HubException ex) when (ex.Kind == HubErrorKind.Connection && Cache.TryGetFile(repo, file) is { } cached)
        {
            Note?.Invoke($"{ex.Message}; using the cached {repo}/{file}");
            return CheckPinned(cached, file, sha256);
        }
        catch (HubException ex) when (ex.Kind == HubErrorKind.EntryNotFound && Cache.CommitFor(repo) is { } known)
        {
            Cache.MarkMissing(repo, known, file);
            throw;
        }
        Cache.WriteRef(repo, repo.Revision, info.Commit);
        string pointer = Cache.SnapshotPath(repo, info.Commit, file);
        if (sha256 is not null && BlobHash.IsHex(info.Etag, 64) && info.Etag != sha256)
        {
            throw new HubException(HubErrorKind.Mismatch,
                $"{repo.Id}/{file} at {info.Commit}: the Hub reports sha256 {info.Etag} but Sift pins {sha256}; the published file changed — pin the new revision and hash only after checking it");
        }
        if (File.Exists(pointer))
        {
            return CheckPinned(pointer, file, sha256);
        }
        string blob = Cache.BlobPath(repo, info.Etag);
        if (!File.Exists(blob))
        {
            await DownloadBlobAsync(repo, file, info, blob, sha256, ct).ConfigureAwait(false);
        }
        Cache.LinkSnapshot(repo, info.Commit, file, info.Etag);
        return CheckPinned(pointer, file, sha256);
    }

    private async Task DownloadBlobAsync(HubRepo repo, string file, HubFileInfo info, string blob, string? sha256, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        using var gate = await FileLock.AcquireAsync(Cache.LockPath(repo, info.Etag), () => Note?.Invoke($"waiting for another process downloading {repo.Id}/{file}"), ct).ConfigureAwait(false);
        if (File.Exists(blob))
        {
            return; // another process finished it while we waited
        }
        string partial = blob + ".incomplete";
        long resumedFrom = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (resumedFrom > 0 && resumedFrom <= info.Size)
        {
            Note?.Invoke($"resuming {repo.Id}/{file} at {resumedFrom:N0} of {info.Size:N0} bytes");
        }
        for (int attempt = 1; ; attempt++)
        {
            long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
            if (have > info.Size)
            {
                File.Delete(partial);
                have = 0;
            }
            if (have == info.Size && info.Size > 0)
            {
                break;
            }
            try
            {
                await GetIntoAsync(repo, file, info, partial, have, resumedFrom, ct).ConfigureAwait(false);
                if (new FileInfo(partial).Length == info.Size)
                {
                    break;
                }
                throw new IOException($"the server closed the response at {new FileInfo(partial).Length:N0} of {info.Size:N0} bytes");
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or HubException { Kind: HubErrorKind.Connection } && !ct.IsCancellationRequested)
            {
                long now = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                if (attempt >= settings.MaxAttempts)
                {
                    throw new HubException(HubErrorKind.Connection,
                        $"downloading {repo.Id}/{file} stopped at {now:N0} of {info.Size:N0} bytes after {attempt} attempt(s) ({ex.Message}); the partial file {partial} is kept and the next run resumes it", ex);
                }
                Note?.Invoke($"{repo.Id}/{file}: connection lost at {now:N0} of {info.Size:N0} bytes ({ex.Message}); resuming (attempt {attempt + 1} of {settings.MaxAttempts})");
                await Task.Delay(settings.RetryDelay * attempt, ct).ConfigureAwait(false);
            }
        }
        Verify(repo, file, info, partial, sha256);
        File.Move(partial, blob, overwrite: false);
    }

    private async Task GetIntoAsync(HubRepo repo, string file, HubFileInfo info, string partial, long have, long resumedFrom, CancellationToken ct)
    {
        using var response = await client.GetAsync(info.DownloadUri, have, repo, file, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The partial file cannot be continued (its bytes are not a prefix the server knows); start over.
            File.Delete(partial);
            throw new IOException("the server refused to resume (HTTP 416); starting again");
        }
        bool append = response.StatusCode == HttpStatusCode.PartialContent && have > 0;
        if (!append)
        {
            have = 0; // the server ignored the Range header: the whole file comes again
        }
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using var output = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        byte[] buffer = new byte[1 << 16];
        long done = have, lastReport = -1;
        int n;
        while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            done += n;
            if (done - lastReport >= 256 << 10 || done == info.Size)
            {
                lastReport = done;
                Progress?.Invoke(new DownloadProgress(file, done, info.Size, resumedFrom));
            }
        }
    }

    private void Verify(HubRepo repo, string file, HubFileInfo info, string partial, string? sha256)
    {
        long length = new FileInfo(partial).Length;
        string? problem = null;
        if (length != info.Size)
        {
            problem = $"size {length:N0} bytes, expected {info.Size:N0}";
        }
        else if (BlobHash.Compute(partial, info.Etag) is { } actual && actual != info.Etag)
        {
            problem = $"hash {actual}, but the Hub reports {info.Etag}";
        }
        else if (sha256 is not null && Hashing.Sha256File(partial) is { } sha && sha != sha256)
        {
            problem = $"sha256 {sha}, but Sift pins {sha256}";
        }
        if (problem is not null)
        {
            File.Delete(partial);
            throw new HubException(HubErrorKind.Mismatch, $"{repo.Id}/{file} at {info.Commit}: the downloaded content has {problem}; it was removed (run again to download it afresh)");
        }
    }

    private static string CheckPinned(string path, string file, string? sha256)
    {
        if (sha256 is not null && Hashing.Sha256File(path) is { } sha && sha != sha256)
        {
            throw new HubException(HubErrorKind.Mismatch, $"{path} ({file}): sha256 {sha}, but Sift pins {sha256}; delete it from the cache and fetch it again");
        }
        return path;
    }

    private HubException NotCached(HubRepo repo, string file) => new(HubErrorKind.NotCached,
        $"{repo}/{file} is not in the Hub cache at {Cache.Root} and downloads are off (HF_HUB_OFFLINE=1 or --offline); run once without offline mode to download it");
}
