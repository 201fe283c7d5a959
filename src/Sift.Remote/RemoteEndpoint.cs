using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Sift.Remote;

/// <summary>
/// One OpenAI-compatible server as seen by the clients: the HTTP connection pool, the bound on requests in
/// flight, and the resilience policy. Every attempt runs as: wait for a concurrency slot → per-attempt timeout →
/// the call; transient failures (408/429/5xx, refused or reset connections, timeouts) are retried with
/// exponential backoff and jitter (Polly), honouring a server's Retry-After. The slot is released during
/// backoff so a failing request does not block healthy ones. Shared by <see cref="CompletionsClient"/> and
/// <see cref="RemoteChatClient"/>; thread-safe.
/// </summary>
public sealed class RemoteEndpoint : IDisposable
{
    private readonly SemaphoreSlim _gate;
    private readonly ResiliencePipeline _retry;
    private readonly ResiliencePipeline _timeout;
    private readonly bool _ownsHttp;
    private long _retries;

    /// <summary>Creates the endpoint; <paramref name="handler"/> replaces the socket handler (tests, proxies).</summary>
    public RemoteEndpoint(RemoteOptions options, HttpMessageHandler? handler = null)
    {
        Options = options.Validate();
        BaseUri = options.BaseUri;
        _gate = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        var socket = handler ?? new SocketsHttpHandler
        {
            // Connections are recycled so a restarted or re-balanced server is picked up.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = Math.Max(options.MaxConcurrency, 2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        Http = new HttpClient(socket, disposeHandler: handler is null) { BaseAddress = BaseUri, Timeout = Timeout.InfiniteTimeSpan };
        _ownsHttp = true;
        if (options.ApiKey is { } key)
        {
            Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = a => ValueTask.FromResult(options.MaxRetries > 0 && a.Outcome.Exception is { } e && IsTransient(e, a.Context.CancellationToken)),
            MaxRetryAttempts = Math.Max(1, options.MaxRetries),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryBaseDelay,
            MaxDelay = options.RetryMaxDelay,
            DelayGenerator = a => ValueTask.FromResult(RetryAfterOf(a.Outcome.Exception) is { } ra
                ? (TimeSpan?)(ra < options.RetryMaxDelay ? ra : options.RetryMaxDelay)
                : null),
            OnRetry = a =>
            {
                Interlocked.Increment(ref _retries);
                options.Log?.Invoke($"retry {a.AttemptNumber + 1}/{options.MaxRetries} in {a.RetryDelay.TotalSeconds:0.0}s after: {Describe(a.Outcome.Exception)}");
                return ValueTask.CompletedTask;
            },
        }).Build();
        _timeout = new ResiliencePipelineBuilder().AddTimeout(options.RequestTimeout).Build();
    }

    /// <summary>The settings.</summary>
    public RemoteOptions Options { get; }

    /// <summary>The "/v1/" base URL.</summary>
    public Uri BaseUri { get; }

    /// <summary>The served model name.</summary>
    public string Model => Options.Model;

    /// <summary>Retries made so far (all requests together).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    internal HttpClient Http { get; }

    /// <summary>
    /// Runs one logical request with retries. <paramref name="attempt"/> is called once per attempt with a token that
    /// fires on the per-attempt timeout or the caller's cancellation.
    /// </summary>
    /// With <paramref name="gated"/> false the caller already holds a slot (<see cref="AcquireAsync"/>).
    public async Task<T> ExecuteAsync<T>(string what, Func<CancellationToken, ValueTask<T>> attempt, CancellationToken cancel = default, bool gated = true)
    {
        try
        {
            return await _retry.ExecuteAsync(async ct =>
            {
                if (gated)
                {
                    await _gate.WaitAsync(ct).ConfigureAwait(false);
                }
                try
                {
                    return await _timeout.ExecuteAsync(attempt, ct).ConfigureAwait(false);
                }
                finally
                {
                    if (gated)
                    {
                        _gate.Release();
                    }
                }
            }, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancel.IsCancellationRequested && IsTransient(e, cancel))
        {
            throw new RemoteUnavailableException($"{what} ({BaseUri}): gave up after {Options.MaxRetries + 1} attempts: {Describe(e)}", e);
        }
    }

    /// <summary>Waits for a concurrency slot (for streams, which hold one until they end); dispose to release.</summary>
    public async Task<IDisposable> AcquireAsync(CancellationToken cancel)
    {
        await _gate.WaitAsync(cancel).ConfigureAwait(false);
        return new Releaser(_gate);
    }

    /// <summary>Sends a request whose body is built per attempt; throws <see cref="RemoteHttpException"/> on non-success.</summary>
    internal async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, HttpCompletionOption completion, CancellationToken ct)
    {
        using var req = build();
        var resp = await Http.SendAsync(req, completion, ct).ConfigureAwait(false);
        if (!resp.IsSuccessStatusCode)
        {
            using (resp)
            {
                string body = await resp.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                throw new RemoteHttpException($"{req.Method} {req.RequestUri}: HTTP {(int)resp.StatusCode} {ErrorMessageOf(body)}",
                    resp.StatusCode, resp.Headers.RetryAfter?.Delta ?? RetryAfterDate(resp.Headers.RetryAfter));
            }
        }
        return resp;
    }

    /// <summary>GET /v1/models: the served model names and (where the server says) their context lengths.</summary>
    public Task<IReadOnlyList<ServedModel>> ListModelsAsync(CancellationToken cancel = default) =>
        ExecuteAsync("GET models", async ct =>
        {
            using var resp = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "models"), HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            await using var s = await resp.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var doc = await JsonDocument.ParseAsync(s, default, ct).ConfigureAwait(false);
            var list = new List<ServedModel>();
            if (doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            {
                foreach (var m in data.EnumerateArray())
                {
                    string id = m.TryGetProperty("id", out var idv) && idv.ValueKind == JsonValueKind.String ? idv.GetString()! : "";
                    int? len = m.TryGetProperty("max_model_len", out var l) && l.TryGetInt32(out int n) ? n : null;
                    list.Add(new ServedModel(id, len));
                }
            }
            return (IReadOnlyList<ServedModel>)list;
        }, cancel);

    /// <summary>The served model's entry, or a clear error listing what the server does serve.</summary>
    public async Task<ServedModel> DescribeModelAsync(CancellationToken cancel = default)
    {
        var models = await ListModelsAsync(cancel).ConfigureAwait(false);
        return models.FirstOrDefault(m => m.Id == Model)
            ?? throw new Core.SiftException($"{BaseUri}: the server does not serve '{Model}' (it serves: {string.Join(", ", models.Select(m => m.Id))}); set --served-model");
    }

    /// <summary>True for errors worth retrying: the server or the network, not the request.</summary>
    public static bool IsTransient(Exception e, CancellationToken callerToken) => e switch
    {
        RemoteHttpException h => h.IsTransient,
        ClientResultException c => c.Status is 0 or 408 or 429 or >= 500,
        TimeoutRejectedException => true,
        HttpRequestException => true,
        IOException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => false,
    };

    private static TimeSpan? RetryAfterOf(Exception? e) => e switch
    {
        RemoteHttpException h => h.RetryAfter,
        ClientResultException c when c.GetRawResponse() is { } r && r.Headers.TryGetValue("Retry-After", out string? v)
            && double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) => TimeSpan.FromSeconds(s),
        _ => null,
    };

    private static TimeSpan? RetryAfterDate(RetryConditionHeaderValue? h) =>
        h?.Date is { } d ? (d - DateTimeOffset.UtcNow is var dt && dt > TimeSpan.Zero ? dt : TimeSpan.Zero) : null;

    private static string Describe(Exception? e) => e switch
    {
        null => "unknown",
        TimeoutRejectedException t => $"timed out ({t.Timeout.TotalSeconds:0.#}s)",
        HttpRequestException h when h.InnerException is { } inner => $"{h.Message} ({inner.Message})",
        _ => e.Message,
    };

    /// <summary>The "error.message" of an OpenAI-shaped error body, else the body itself (shortened).</summary>
    internal static string ErrorMessageOf(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var err))
            {
                if (err.ValueKind == JsonValueKind.Object && err.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                {
                    return m.GetString()!;
                }
                if (err.ValueKind == JsonValueKind.String)
                {
                    return err.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
        }
        return body.Length > 500 ? body[..500] + "…" : body;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            Http.Dispose();
        }
        _gate.Dispose();
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}

/// <summary>One entry of GET /v1/models.</summary>
/// <param name="Id">The model name to send as "model".</param>
/// <param name="MaxModelLen">Context length, when the server reports it (vLLM and `sift serve` do).</param>
public sealed record ServedModel(string Id, int? MaxModelLen);
