using System.CommandLine;
using Sift.Core;
using Sift.Remote;

namespace Sift.Cli.Commands;

/// <summary>The options every command that can talk to an OpenAI-compatible server shares.</summary>
internal sealed class RemoteCliOptions
{
    public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "Use an OpenAI-compatible server instead of a local model (vLLM, sift serve): http://host:8000/v1" };

    public Option<string?> ServedModel { get; } = new("--served-model") { Description = "With --endpoint: the served model name (default: the server's only model)" };

    public Option<string?> ApiKeyEnv { get; } = new("--api-key-env") { Description = "With --endpoint: environment variable holding the server's API key" };

    public Option<int> Concurrency { get; } = new("--concurrency") { Description = "With --endpoint: requests in flight at once", DefaultValueFactory = _ => 16 };

    public Option<double> Timeout { get; } = new("--timeout") { Description = "With --endpoint: seconds per request attempt", DefaultValueFactory = _ => 600 };

    public Option<int> Retries { get; } = new("--retries") { Description = "With --endpoint: retries on 429/5xx/timeouts/connection errors (exponential backoff with jitter)", DefaultValueFactory = _ => 8 };

    public void AddTo(Command cmd)
    {
        cmd.Add(Endpoint);
        cmd.Add(ServedModel);
        cmd.Add(ApiKeyEnv);
        cmd.Add(Concurrency);
        cmd.Add(Timeout);
        cmd.Add(Retries);
    }

    public bool Given(ParseResult pr) => !string.IsNullOrEmpty(pr.GetValue(Endpoint));

    /// <summary>The endpoint named on the command line (the served model looked up when not given).</summary>
    public RemoteEndpoint Create(ParseResult pr)
    {
        string url = pr.GetValue(Endpoint)!;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new SiftException($"--endpoint '{url}': expected an absolute URL such as http://127.0.0.1:8000/v1");
        }
        var options = new RemoteOptions
        {
            Endpoint = uri,
            Model = pr.GetValue(ServedModel) ?? "?",
            ApiKey = RemoteOptions.ApiKeyFromEnvironment(pr.GetValue(ApiKeyEnv)),
            MaxConcurrency = pr.GetValue(Concurrency),
            RequestTimeout = TimeSpan.FromSeconds(pr.GetValue(Timeout)),
            MaxRetries = pr.GetValue(Retries),
            Log = line => Console.Error.WriteLine($"{uri}: {line}"),
        };
        if (pr.GetValue(ServedModel) is null)
        {
            using var probe = new RemoteEndpoint(options);
            var models = probe.ListModelsAsync().GetAwaiter().GetResult();
            if (models.Count != 1)
            {
                throw new SiftException($"{probe.BaseUri}: the server serves {models.Count} models ({string.Join(", ", models.Select(m => m.Id))}); pick one with --served-model");
            }
            options = options with { Model = models[0].Id };
        }
        return new RemoteEndpoint(options);
    }
}
