using Sift.Inference;
using Sift.Remote;
using Sift.Serving;

namespace Sift.Rewards.Tests.Support;

/// <summary>`sift serve` on a free loopback port in this process, with an endpoint pointed at it.</summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private InProcessServer(SiftServer server, LoadedModel model)
    {
        Server = server;
        Model = model;
    }

    public SiftServer Server { get; }

    public LoadedModel Model { get; }

    public static async Task<InProcessServer> StartAsync(string modelDir)
    {
        var model = LoadedModel.Open(modelDir, threads: 1, gemm: "managed");
        var server = await SiftServer.StartAsync(model, new ServeOptions { Port = 0, Log = _ => { } });
        return new InProcessServer(server, model);
    }

    public RemoteEndpoint Endpoint() => new(new RemoteOptions
    {
        Endpoint = Server.BaseUrl,
        Model = Server.ModelName,
        MaxRetries = 2,
        MaxConcurrency = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RequestTimeout = TimeSpan.FromSeconds(60),
    });

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Model.Dispose();
    }
}
