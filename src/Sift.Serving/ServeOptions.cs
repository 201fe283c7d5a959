using System.Net;
using Sift.Core;

namespace Sift.Serving;

/// <summary>Settings of `sift serve`.</summary>
public sealed record ServeOptions
{
    /// <summary>Address to bind; loopback unless told otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Port (0 = any free port; the chosen one is in <see cref="SiftServer.Port"/>).</summary>
    public int Port { get; init; } = 8000;

    /// <summary>Bearer key required on every request, or null for none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Name clients send as "model" (default: the model folder's name).</summary>
    public string? ServedModelName { get; init; }

    /// <summary>Sequences decoded together (1 = no batching).</summary>
    public int MaxBatch { get; init; } = 16;

    /// <summary>Sequences that may wait for a slot before requests get 429.</summary>
    public int MaxQueue { get; init; } = 256;

    /// <summary>Context per sequence (prompt + completion); default the model's max_position_embeddings.</summary>
    public int? MaxModelLen { get; init; }

    /// <summary>Most alternatives a request may ask for in logprobs / top_logprobs / prompt_logprobs (vLLM's default is 20).</summary>
    public int MaxLogprobs { get; init; } = 20;

    /// <summary>Largest request body accepted (bytes).</summary>
    public int MaxBodyBytes { get; init; } = 16 << 20;

    /// <summary>How long a graceful shutdown waits for in-flight requests.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Stop on Ctrl-C / SIGTERM (the CLI); tests leave this off and stop servers themselves.</summary>
    public bool HandleSignals { get; init; }

    /// <summary>Where startup and error lines go (null = stderr).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The address to bind, or a clear error.</summary>
    public IPAddress BindAddress()
    {
        if (Host is "localhost")
        {
            return IPAddress.Loopback;
        }
        return IPAddress.TryParse(Host, out var ip) ? ip : throw new SiftException($"--host '{Host}': expected an IP address such as 127.0.0.1 (loopback) or 0.0.0.0 (all interfaces)");
    }

    /// <summary>Checks ranges; throws <see cref="SiftException"/> naming the option.</summary>
    public ServeOptions Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new SiftException($"--port {Port}: expected 0..65535");
        }
        if (MaxBatch < 1)
        {
            throw new SiftException($"--max-batch must be ≥ 1, got {MaxBatch}");
        }
        if (MaxQueue < 1)
        {
            throw new SiftException($"--queue must be ≥ 1, got {MaxQueue}");
        }
        if (MaxModelLen is < 2)
        {
            throw new SiftException($"--max-model-len must be ≥ 2, got {MaxModelLen}");
        }
        if (MaxLogprobs < 0)
        {
            throw new SiftException($"--max-logprobs must be ≥ 0, got {MaxLogprobs}");
        }
        BindAddress();
        return this;
    }
}
