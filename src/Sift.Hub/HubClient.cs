using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Sift.Hub;

/// <summary>
/// The Hub's HTTP protocol as huggingface_hub speaks it: a listing call, a HEAD per file that follows only relative
/// redirects (a renamed repository) and reads the metadata headers off the first absolute redirect (the LFS storage
/// address), and GETs with a Range header to resume. The token is sent as a Bearer header to the Hub only, never to
/// the storage host a redirect points at.
/// </summary>
public sealed class HubClient : IDisposable
{
    private const int MaxRedirects = 10;
    private readonly HttpClient _http;
    private readonly HubSettings _settings;

    /// <summary>Creates a client; <paramref name="handler"/> is for tests (redirects must not be followed by it).</summary>
    public HubClient(HubSettings settings, HttpMessageHandler? handler = null)
    {
        _settings = settings;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("sift/1.0");
    }

    /// <summary>The Hub address.</summary>
    public string Endpoint => _settings.Endpoint;

    /// <summary>Lists the repository's files at its revision and the commit the revision points at.</summary>
    public async Task<HubListing> ListAsync(HubRepo repo, CancellationToken ct = default)
    {
        var uri = new Uri($"{_settings.Endpoint}/api/{repo.ApiCollection}/{repo.Id}/revision/{Uri.EscapeDataString(repo.Revision)}");
        using var response = await SendAsync(HttpMethod.Get, uri, 0, followAbsolute: false, ct).ConfigureAwait(false);
        Check(response, repo, null);
        string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            string commit = root.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String ? sha.GetString()! : "";
            if (!HubRepo.IsCommitHash(commit))
            {
                throw new HubException(HubErrorKind.Other, $"{uri}: the listing has no commit hash (\"sha\")");
            }
            var files = new List<string>();
            if (root.TryGetProperty("siblings", out var siblings) && siblings.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in siblings.EnumerateArray())
                {
                    if (s.TryGetProperty("rfilename", out var name) && name.ValueKind == JsonValueKind.String)
                    {
                        files.Add(name.GetString()!);
                    }
                }
            }
            return new HubListing(commit, files);
        }
        catch (JsonException ex)
        {
            throw new HubException(HubErrorKind.Other, $"{uri}: the listing is not JSON ({ex.Message})", ex);
        }
    }

    /// <summary>HEAD of a file: commit, etag, size and download address.</summary>
    public async Task<HubFileInfo> HeadAsync(HubRepo repo, string file, CancellationToken ct = default)
    {
        var uri = ResolveUri(repo, file);
        using var response = await SendAsync(HttpMethod.Head, uri, 0, followAbsolute: false, ct).ConfigureAwait(false);
        Check(response, repo, file);
        string? commit = Header(response, "X-Repo-Commit");
        string? etag = Header(response, "X-Linked-Etag") ?? Header(response, "ETag");
        string? size = Header(response, "X-Linked-Size") ?? response.Content.Headers.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (commit is null || etag is null || !long.TryParse(size, out long length))
        {
            throw new HubException(HubErrorKind.Other,
                $"{uri}: the reply lacks {(commit is null ? "X-Repo-Commit" : etag is null ? "an ETag" : "a size")}; is {_settings.Endpoint} a Hugging Face Hub (HF_ENDPOINT)?");
        }
        // An absolute redirect is the LFS storage address; no redirect means GET the resolve URL itself.
        var location = response.Headers.Location;
        var download = (int)response.StatusCode is >= 300 and < 400 && location is not null ? new Uri(response.RequestMessage!.RequestUri!, location) : response.RequestMessage!.RequestUri!;
        return new HubFileInfo(commit, NormalizeEtag(etag), length, download);
    }

    /// <summary>GET from <paramref name="from"/> on (a Range request when above zero), following every redirect; the caller disposes.</summary>
    public async Task<HttpResponseMessage> GetAsync(Uri uri, long from, HubRepo repo, string file, CancellationToken ct = default)
    {
        var response = await SendAsync(HttpMethod.Get, uri, from, followAbsolute: true, ct).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.PartialContent or HttpStatusCode.RequestedRangeNotSatisfiable))
        {
            using (response)
            {
                Check(response, repo, file);
            }
        }
        return response;
    }

    /// <summary>The resolve address of a file: <c>{endpoint}/{[datasets/]org/name}/resolve/{revision}/{file}</c>.</summary>
    public Uri ResolveUri(HubRepo repo, string file) =>
        new($"{_settings.Endpoint}/{repo.UrlPath}/resolve/{Uri.EscapeDataString(repo.Revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}");

    /// <summary>Strips a weak-validator prefix and quotes: <c>W/"abc"</c> → <c>abc</c>.</summary>
    public static string NormalizeEtag(string etag)
    {
        string e = etag.Trim();
        if (e.StartsWith("W/", StringComparison.Ordinal))
        {
            e = e[2..];
        }
        return e.Trim('"');
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, long from, bool followAbsolute, CancellationToken ct)
    {
        var hubHost = new Uri(_settings.Endpoint);
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, uri);
            request.Headers.AcceptEncoding.ParseAdd("identity");
            if (from > 0)
            {
                request.Headers.Range = new RangeHeaderValue(from, null);
            }
            if (_settings.Token is { } token && Uri.Compare(uri, hubHost, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new HubException(HubErrorKind.Connection, $"cannot reach {uri.GetLeftPart(UriPartial.Authority)} ({ex.Message})", ex);
            }
            catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
            {
                throw new HubException(HubErrorKind.Connection, $"{uri.GetLeftPart(UriPartial.Authority)} did not answer in time", ex);
            }
            int status = (int)response.StatusCode;
            var location = response.Headers.Location;
            if (status is >= 300 and < 400 && location is not null && hop < MaxRedirects && (followAbsolute || !location.IsAbsoluteUri))
            {
                uri = new Uri(uri, location);
                response.Dispose();
                continue;
            }
            return response;
        }
    }

    private void Check(HttpResponseMessage response, HubRepo repo, string? file)
    {
        int status = (int)response.StatusCode;
        if (status is >= 200 and < 400)
        {
            return;
        }
        string what = file is null ? repo.Id : $"{file} in {repo.Id}";
        string tokenHint = _settings.Token is null
            ? "no HF_TOKEN is set: create a token on the Hub (Settings → Access Tokens), accept the repository's terms if it is gated, and set HF_TOKEN=hf_..."
            : "the HF_TOKEN that was sent does not give access: accept the repository's terms with that account if it is gated, or use a token that can read it";
        switch (Header(response, "X-Error-Code"))
        {
            case "GatedRepo":
                throw new HubException(HubErrorKind.Unauthorized, $"{repo.Id} is gated (HTTP {status}): {tokenHint}");
            case "RepoNotFound":
                throw new HubException(HubErrorKind.RepoNotFound, $"{repo.Id}: repository not found on {_settings.Endpoint} (HTTP {status}); if it is private or gated, {tokenHint}");
            case "RevisionNotFound":
                throw new HubException(HubErrorKind.RevisionNotFound, $"{repo.Id}: revision '{repo.Revision}' not found (HTTP {status})");
            case "EntryNotFound":
                throw new HubException(HubErrorKind.EntryNotFound, $"{what}: file not found at revision '{repo.Revision}' (HTTP {status})");
        }
        throw status switch
        {
            401 or 403 => new HubException(HubErrorKind.Unauthorized, $"{what}: access denied (HTTP {status}); the repository is gated or private and {tokenHint}"),
            404 when file is not null => new HubException(HubErrorKind.EntryNotFound, $"{what}: file not found at revision '{repo.Revision}' (HTTP 404)"),
            404 => new HubException(HubErrorKind.RepoNotFound, $"{repo.Id}: repository or revision '{repo.Revision}' not found on {_settings.Endpoint} (HTTP 404)"),
            _ => new HubException(status >= 500 ? HubErrorKind.Connection : HubErrorKind.Other, $"{what}: HTTP {status} {response.ReasonPhrase} from {response.RequestMessage?.RequestUri}"),
        };
    }

    private static string? Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault() : r.Content.Headers.TryGetValues(name, out var c) ? c.FirstOrDefault() : null;
}
