namespace Sift.Hub;

/// <summary>
/// Where the Hub is and where its cache lives, read from the environment variables the Python tools use, so both
/// share one cache: <c>HF_HUB_CACHE</c> (else <c>HF_HOME/hub</c>, else <c>$XDG_CACHE_HOME/huggingface/hub</c>, else
/// <c>~/.cache/huggingface/hub</c>), <c>HF_ENDPOINT</c> (default https://huggingface.co), <c>HF_TOKEN</c> and
/// <c>HF_HUB_OFFLINE</c>.
/// </summary>
public sealed record HubSettings
{
    /// <summary>The Hub address, without a trailing slash.</summary>
    public string Endpoint { get; init; } = "https://huggingface.co";

    /// <summary>Bearer token for gated and private repositories, or null.</summary>
    public string? Token { get; init; }

    /// <summary>Cache only: never contact the Hub.</summary>
    public bool Offline { get; init; }

    /// <summary>The hub cache folder (holding <c>models--org--name</c> folders).</summary>
    public required string CacheDir { get; init; }

    /// <summary>Attempts per file when the connection drops (each resumes where the last stopped).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Wait before retry k is k times this (tests set it to zero).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Settings from the environment; <paramref name="offline"/> (a --offline flag) adds to HF_HUB_OFFLINE.</summary>
    public static HubSettings FromEnvironment(bool offline = false, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        string? endpoint = NonEmpty(env("HF_ENDPOINT"));
        return new HubSettings
        {
            Endpoint = (endpoint ?? "https://huggingface.co").TrimEnd('/'),
            Token = NonEmpty(env("HF_TOKEN")) ?? NonEmpty(env("HUGGING_FACE_HUB_TOKEN")),
            Offline = offline || IsTrue(env("HF_HUB_OFFLINE")),
            CacheDir = CacheFrom(env),
        };
    }

    private static string CacheFrom(Func<string, string?> env)
    {
        if (NonEmpty(env("HF_HUB_CACHE")) is { } hub)
        {
            return Expand(hub);
        }
        if (NonEmpty(env("HUGGINGFACE_HUB_CACHE")) is { } legacy)
        {
            return Expand(legacy);
        }
        if (NonEmpty(env("HF_HOME")) is { } home)
        {
            return Path.Combine(Expand(home), "hub");
        }
        string xdg = NonEmpty(env("XDG_CACHE_HOME")) ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(Expand(xdg), "huggingface", "hub");
    }

    // huggingface_hub expands "~" in these variables.
    private static string Expand(string p) => p == "~" || p.StartsWith("~/", StringComparison.Ordinal)
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), p.Length > 2 ? p[2..] : "")
        : p;

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    // Same truthy spellings as huggingface_hub's _is_true.
    private static bool IsTrue(string? s) => s is not null && s.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";
}
