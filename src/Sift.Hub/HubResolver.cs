using Sift.Core;

namespace Sift.Hub;

/// <summary>A model folder ready to load, and a short name for run folders.</summary>
public sealed record ResolvedModel(string Path, string Name, HubRepo? Repo);

/// <summary>
/// The one call the CLI makes for <c>-m/--model</c> and for benchmark files: a local folder that exists wins;
/// otherwise <c>org/name[@revision]</c> is found in the Hub cache or downloaded into it.
/// </summary>
public sealed class HubResolver : IDisposable
{
    private readonly HubClient _client;
    private readonly HubDownloader _downloader;

    /// <summary>Creates a resolver; <paramref name="progress"/> and <paramref name="note"/> go to the console in the CLI.</summary>
    public HubResolver(HubSettings settings, Action<DownloadProgress>? progress = null, Action<string>? note = null, HttpMessageHandler? handler = null)
    {
        Settings = settings;
        _client = new HubClient(settings, handler);
        _downloader = new HubDownloader(settings, _client) { Progress = progress, Note = note };
    }

    /// <summary>Settings in use.</summary>
    public HubSettings Settings { get; }

    /// <summary>The cache.</summary>
    public HubCache Cache => _downloader.Cache;

    /// <summary>A local model folder for <paramref name="spec"/> (a folder, or <c>org/name[@revision]</c>).</summary>
    public ResolvedModel ResolveModel(string spec, CancellationToken ct = default)
    {
        if (Directory.Exists(spec))
        {
            string full = System.IO.Path.GetFullPath(spec);
            return new ResolvedModel(full, new DirectoryInfo(full).Name, null);
        }
        var repo = HubRepo.TryParse(spec)
            ?? throw new SiftException($"{spec}: no such model folder, and not a Hub model id (org/name or org/name@revision)");
        try
        {
            string dir = new HubSnapshot(_downloader, _client).FetchAsync(repo,
                (files, fetch) => HubModelFiles.ChooseAsync(repo, files, fetch), HubModelFiles.CheckCached, ct).GetAwaiter().GetResult();
            return new ResolvedModel(dir, repo.Id.Replace('/', '_'), repo);
        }
        catch (HubException ex) when (ex.Kind is HubErrorKind.RepoNotFound)
        {
            // "runs/model" that does not exist reads as a Hub id too: say both.
            throw new HubException(ex.Kind, $"{spec}: no such model folder; as a Hub id: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The local paths of a dataset repository's files matching <paramref name="patterns"/> (each pattern must match at
    /// least one file; matches in pattern order, sorted within a pattern), with pinned sha256 values checked.
    /// </summary>
    public IReadOnlyList<string> ResolveDatasetFiles(HubRepo repo, IReadOnlyList<string> patterns, IReadOnlyDictionary<string, string>? sha256 = null, CancellationToken ct = default)
    {
        List<string>? chosen = null;
        string dir = new HubSnapshot(_downloader, _client).FetchAsync(repo, (files, _) =>
        {
            chosen = Match(repo, patterns, files, fromCache: false, out string? why) ?? throw new HubException(HubErrorKind.EntryNotFound, why!);
            return Task.FromResult<IReadOnlyList<(string, string?)>>([.. chosen.Select(f => (f, sha256?.GetValueOrDefault(f)))]);
        }, (_, files) => Match(repo, patterns, files, fromCache: true, out string? why) is null ? why : null, ct).GetAwaiter().GetResult();
        chosen ??= Match(repo, patterns, Cache.SnapshotFiles(repo, new DirectoryInfo(dir).Name), true, out _)!;
        var paths = new List<string>();
        foreach (string f in chosen)
        {
            string p = System.IO.Path.Combine(dir, f.Replace('/', System.IO.Path.DirectorySeparatorChar));
            if (sha256?.GetValueOrDefault(f) is { } pin && Sift.Core.IO.Hashing.Sha256File(p) is { } actual && actual != pin)
            {
                throw new HubException(HubErrorKind.Mismatch, $"{p}: sha256 {actual}, but Sift pins {pin} for {repo.Id}/{f}; delete it from the cache and fetch it again");
            }
            paths.Add(p);
        }
        return paths;
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    private static List<string>? Match(HubRepo repo, IReadOnlyList<string> patterns, IReadOnlyList<string> files, bool fromCache, out string? why)
    {
        var result = new List<string>();
        foreach (string p in patterns)
        {
            var hits = FileGlob.Select(p, files);
            if (hits.Count == 0)
            {
                why = $"{repo}: no file matches '{p}' {(fromCache ? "in the cached snapshot" : "in the repository")} (files: {(files.Count == 0 ? "none" : string.Join(", ", files.Take(12)))})";
                return null;
            }
            result.AddRange(hits.Where(h => !result.Contains(h)));
        }
        why = null;
        return result;
    }
}
