using Sift.Core;

namespace Sift.Remote;

/// <summary>How to reach an OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp, Ollama, `sift serve`).</summary>
public sealed record RemoteOptions
{
    /// <summary>Base URL: "http://host:8000" or "http://host:8000/v1" (a bare host gets "/v1").</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The served model name sent as "model".</summary>
    public required string Model { get; init; }

    /// <summary>Bearer key, or null when the server needs none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Most requests in flight at once (each HTTP attempt holds one slot; backoff waits do not).</summary>
    public int MaxConcurrency { get; init; } = 16;

    /// <summary>Time limit of one attempt (a whole non-streaming request, or a stream's response headers).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Retries after the first attempt on 408/429/5xx, connection failures and timeouts.</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>First backoff delay; it doubles per retry with jitter, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Longest single backoff delay (also caps a server's Retry-After).</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Receives one line per retry (what failed, the attempt, the delay); null for silence.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Checks the settings; throws <see cref="SiftException"/> naming the bad one.</summary>
    public RemoteOptions Validate()
    {
        if (Endpoint.Scheme is not ("http" or "https"))
        {
            throw new SiftException($"--endpoint '{Endpoint}': expected an http:// or https:// URL");
        }
        if (string.IsNullOrWhiteSpace(Model))
        {
            throw new SiftException("--served-model: give the model name the server serves (see GET /v1/models)");
        }
        if (MaxConcurrency < 1)
        {
            throw new SiftException($"--concurrency must be ≥ 1, got {MaxConcurrency}");
        }
        if (MaxRetries < 0)
        {
            throw new SiftException($"--retries must be ≥ 0, got {MaxRetries}");
        }
        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new SiftException($"--timeout must be positive, got {RequestTimeout.TotalSeconds}s");
        }
        return this;
    }

    /// <summary>The /v1/ base every route is resolved against.</summary>
    public Uri BaseUri => NormalizeBase(Endpoint);

    /// <summary>"http://h:8000" → "http://h:8000/v1/"; "http://h/x/v1" → "http://h/x/v1/".</summary>
    public static Uri NormalizeBase(Uri endpoint)
    {
        var b = new UriBuilder(endpoint) { Query = "", Fragment = "" };
        string path = b.Path.TrimEnd('/');
        b.Path = (path.Length == 0 ? "/v1" : path) + "/";
        return b.Uri;
    }

    /// <summary>
    /// Reads a key from an environment variable. Null name → no key. A named variable that is unset or empty is an
    /// error (a typo would otherwise silently send no key).
    /// </summary>
    public static string? ApiKeyFromEnvironment(string? variable)
    {
        if (string.IsNullOrEmpty(variable))
        {
            return null;
        }
        string? key = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(key))
        {
            throw new SiftException($"--api-key-env {variable}: the environment variable is not set");
        }
        return key;
    }
}
