using Sift.Inference;
using Sift.Remote;

namespace Sift.Serving.Tests;

/// <summary>A running `sift serve` on a free loopback port, with clients pointed at it.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(SiftServer server, LoadedModel model, string dir)
    {
        Server = server;
        Model = model;
        Dir = dir;
    }

    public SiftServer Server { get; }

    public LoadedModel Model { get; }

    public string Dir { get; }

    public static async Task<RunningServer> StartAsync(string modelDir, ServeOptions? options = null, int port = 0)
    {
        var model = LoadedModel.Open(modelDir, threads: 1, gemm: "managed");
        var server = await SiftServer.StartAsync(model, (options ?? new ServeOptions()) with { Port = port, Log = _ => { } }).ConfigureAwait(false);
        return new RunningServer(server, model, modelDir);
    }

    public RemoteEndpoint Endpoint(string? key = null, int retries = 3, int concurrency = 8, TimeSpan? timeout = null) => new(new RemoteOptions
    {
        Endpoint = Server.BaseUrl,
        Model = Server.ModelName,
        ApiKey = key,
        MaxRetries = retries,
        MaxConcurrency = concurrency,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(500),
        RequestTimeout = timeout ?? TimeSpan.FromSeconds(60),
    });

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        Model.Dispose();
    }
}
