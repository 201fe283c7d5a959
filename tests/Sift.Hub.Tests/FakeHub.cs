using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Sift.Hub.Tests;

/// <summary>One file in a fake repository: its bytes, whether it is an LFS file, and faults to inject.</summary>
internal sealed class FakeFile(byte[] content, bool lfs)
{
    public byte[] Content { get; } = content;
    public bool Lfs { get; } = lfs;

    /// <summary>Bytes actually sent (defaults to <see cref="Content"/>; a corrupted copy tests the hash check).</summary>
    public byte[]? Served { get; set; }

    /// <summary>The next this-many GETs stop after <see cref="CutAt"/> bytes of the file (a dropped connection).</summary>
    public int CutsLeft { get; set; }

    /// <summary>Absolute file offset where a cut GET stops.</summary>
    public long CutAt { get; set; }

    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Content));

    public string GitSha1 => Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {Content.Length}\0"), .. Content]));
}

/// <summary>A fake repository: one commit, its files, and whether it is gated.</summary>
internal sealed class FakeRepo(string commit)
{
    public string Commit { get; set; } = commit;
    public Dictionary<string, FakeFile> Files { get; } = new(StringComparer.Ordinal);
    public bool Gated { get; init; }
}

/// <summary>
/// A raw HTTP/1.1 server on 127.0.0.1 with a random port that serves the Hub's URL layout and headers: the listing
/// API, HEAD/GET on /resolve/ (LFS files answer with a 302 to an absolute storage address carrying X-Linked-Etag /
/// X-Linked-Size; git files answer 200 with their git blob ETag), Range requests (206), gated repositories (401
/// GatedRepo without the token) and missing files (404 EntryNotFound). A cut closes the connection cleanly (FIN)
/// after a given byte, so the client has all bytes sent before it and the count of bytes served is exact.
/// Each connection carries one request (Connection: close).
/// </summary>
internal sealed class FakeHub : IDisposable
{
    public const string Token = "hf_testtoken";
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FakeHub()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Host name used in LFS redirects (a different host from the endpoint tests that the token is not forwarded).</summary>
    public string StorageHost { get; set; } = "127.0.0.1";

    public ConcurrentDictionary<string, FakeRepo> Repos { get; } = new();

    /// <summary>Body bytes sent per storage path (/lfs/{sha}) or resolve path.</summary>
    public ConcurrentDictionary<string, long> BytesServed { get; } = new();

    /// <summary>Every request as "METHOD path | range | authorization".</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    public FakeRepo Add(string key, FakeRepo repo) => Repos[key] = repo;

    public long Served(string path) => BytesServed.GetValueOrDefault(path);

    public long ServedFor(FakeFile f) => Served("/lfs/" + f.Sha256);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var (method, target, headers) = await ReadRequestAsync(stream);
                headers.TryGetValue("range", out string? range);
                headers.TryGetValue("authorization", out string? auth);
                Log.Enqueue($"{method} {target} | {range} | {auth}");
                await RouteAsync(stream, method, Uri.UnescapeDataString(target.Split('?')[0]), range, auth);
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
            }
        }
    }

    private async Task RouteAsync(Stream s, string method, string path, string? range, string? auth)
    {
        if (path.StartsWith("/lfs/", StringComparison.Ordinal))
        {
            var file = Repos.Values.SelectMany(r => r.Files.Values).FirstOrDefault(f => "/lfs/" + f.Sha256 == path);
            if (file is null)
            {
                await WriteAsync(s, 404, [], null);
                return;
            }
            await SendBodyAsync(s, method, path, file, range, []);
            return;
        }
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            // /api/{models|datasets}/{org}/{name}/revision/{rev}
            var parts = path.Split('/');
            if (parts.Length < 7 || parts[5] != "revision")
            {
                await WriteAsync(s, 404, [], null);
                return;
            }
            string key = (parts[2] == "datasets" ? "datasets/" : "") + parts[3] + "/" + parts[4];
            if (!Repos.TryGetValue(key, out var repo))
            {
                await WriteAsync(s, 401, [("X-Error-Code", "RepoNotFound")], null);
                return;
            }
            var json = new JsonObject
            {
                ["id"] = parts[3] + "/" + parts[4],
                ["sha"] = repo.Commit,
                ["siblings"] = new JsonArray([.. repo.Files.Keys.Order(StringComparer.Ordinal).Select(f => (JsonNode)new JsonObject { ["rfilename"] = f })]),
            };
            await WriteAsync(s, 200, [("Content-Type", "application/json")], Encoding.UTF8.GetBytes(json.ToJsonString()));
            return;
        }
        int resolve = path.IndexOf("/resolve/", StringComparison.Ordinal);
        if (resolve < 0)
        {
            await WriteAsync(s, 404, [], null);
            return;
        }
        string repoKey = path[1..resolve];
        string rest = path[(resolve + "/resolve/".Length)..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        string revision = rest[..slash], name = rest[(slash + 1)..];
        if (!Repos.TryGetValue(repoKey, out var r))
        {
            await WriteAsync(s, 401, [("X-Error-Code", "RepoNotFound")], null);
            return;
        }
        if (r.Gated && auth != "Bearer " + Token)
        {
            await WriteAsync(s, 401, [("X-Error-Code", "GatedRepo")], null);
            return;
        }
        if (revision != "main" && revision != r.Commit)
        {
            await WriteAsync(s, 404, [("X-Error-Code", "RevisionNotFound")], null);
            return;
        }
        if (!r.Files.TryGetValue(name, out var f))
        {
            await WriteAsync(s, 404, [("X-Error-Code", "EntryNotFound"), ("X-Repo-Commit", r.Commit)], null);
            return;
        }
        if (f.Lfs)
        {
            await WriteAsync(s, 302, [
                ("Location", $"http://{StorageHost}:{Port}/lfs/{f.Sha256}"), ("X-Repo-Commit", r.Commit), ("ETag", $"\"{f.GitSha1}\""),
                ("X-Linked-Etag", $"\"{f.Sha256}\""), ("X-Linked-Size", f.Content.Length.ToString(CultureInfo.InvariantCulture))], null);
            return;
        }
        await SendBodyAsync(s, method, path, f, range, [("X-Repo-Commit", r.Commit), ("ETag", $"\"{f.GitSha1}\"")]);
    }

    private async Task SendBodyAsync(Stream s, string method, string path, FakeFile f, string? range, List<(string, string)> headers)
    {
        byte[] data = f.Served ?? f.Content;
        long from = 0;
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
            if (from >= data.Length)
            {
                await WriteAsync(s, 416, [("Content-Range", $"bytes */{data.Length}")], null);
                return;
            }
            headers.Add(("Content-Range", $"bytes {from}-{data.Length - 1}/{data.Length}"));
        }
        int status = range is null ? 200 : 206;
        if (method == "HEAD")
        {
            await WriteAsync(s, status, headers, null, data.Length - from);
            return;
        }
        long end = data.Length;
        if (f.CutsLeft > 0 && f.CutAt > from && f.CutAt < data.Length)
        {
            f.CutsLeft--;
            end = f.CutAt;
        }
        // Counted before sending, so a client that has the bytes always finds them counted.
        BytesServed.AddOrUpdate(path, end - from, (_, v) => v + end - from);
        await WriteHeadAsync(s, status, headers, data.Length - from);
        await s.WriteAsync(data.AsMemory((int)from, (int)(end - from)));
        await s.FlushAsync();
    }

    private static async Task WriteAsync(Stream s, int status, List<(string, string)> headers, byte[]? body, long? length = null)
    {
        await WriteHeadAsync(s, status, headers, length ?? body?.Length ?? 0);
        if (body is not null)
        {
            await s.WriteAsync(body);
        }
        await s.FlushAsync();
    }

    private static async Task WriteHeadAsync(Stream s, int status, List<(string, string)> headers, long length)
    {
        var sb = new StringBuilder($"HTTP/1.1 {status} {((HttpStatusCode)status).ToString()}\r\n");
        foreach (var (k, v) in headers)
        {
            sb.Append(k).Append(": ").Append(v).Append("\r\n");
        }
        sb.Append("Content-Length: ").Append(length.ToString(CultureInfo.InvariantCulture)).Append("\r\nConnection: close\r\n\r\n");
        await s.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
    }

    private static async Task<(string Method, string Target, Dictionary<string, string> Headers)> ReadRequestAsync(Stream s)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int n = await s.ReadAsync(one);
            if (n == 0)
            {
                throw new IOException("client closed before the request ended");
            }
            buffer.Add(one[0]);
            int c = buffer.Count;
            if (c >= 4 && buffer[c - 4] == '\r' && buffer[c - 3] == '\n' && buffer[c - 2] == '\r' && buffer[c - 1] == '\n')
            {
                break;
            }
        }
        var lines = Encoding.ASCII.GetString([.. buffer]).Split("\r\n");
        var first = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1).Where(l => l.Length > 0))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        return (first[0], first[1], headers);
    }
}
