using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Engine.Inference;
using Sift.Inference;
using Sift.Pipelines.Selective;
using Sift.Remote;

namespace Sift.Serving.Tests;

/// <summary>Full queues, restarts and shutdowns, with the real server and the real clients.</summary>
public sealed class ResilienceTests
{
    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static RemoteEndpoint Endpoint(int port, string model, int retries, int concurrency) => new(new RemoteOptions
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}/v1"),
        Model = model,
        MaxRetries = retries,
        MaxConcurrency = concurrency,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(400),
        RequestTimeout = TimeSpan.FromSeconds(60),
    });

    [Fact]
    public async Task FullQueue_Answers429WithRetryAfter_AndRetryingClientsGetThrough()
    {
        string model = TinyModels.Create(TinyModels.TempDir("queue"), maxPositions: 512);
        await using var s = await RunningServer.StartAsync(model, new ServeOptions { MaxBatch = 1, MaxQueue = 1 });
        string body = "{\"prompt\": [1, 2], \"max_tokens\": 500, \"ignore_eos\": true, \"temperature\": 0}";
        var all = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Raw.PostAsync(s.Server, "completions", body)));
        var refused = all.Where(r => r.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, r =>
        {
            Assert.Equal("queue_full", (string)r.Body!["error"]!["code"]!);
            Assert.Equal("1", r.Response.Headers.GetValues("Retry-After").Single());
        });
        var served = all.Where(r => r.Status == HttpStatusCode.OK).ToList();
        Assert.NotEmpty(served);
        Assert.All(served, r => Assert.Equal(500, (int)r.Body!["usage"]!["completion_tokens"]!));

        // The same load through the client: 429s are retried with backoff until every request is served.
        using var ep = s.Endpoint(retries: 40, concurrency: 4);
        var client = new CompletionsClient(ep);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => client.CreateAsync(new CompletionRequest
        {
            Prompts = [CompletionPrompt.FromTokens([1, 2 + i])],
            MaxTokens = 150,
            Temperature = 0,
            Extra = new JsonObject { ["ignore_eos"] = true },
        })));
        Assert.All(results, r => Assert.Equal(150, r.Usage!.CompletionTokens));
        Assert.True(ep.Retries > 0, "the client should have met 429s and retried");
    }

    [Fact]
    public async Task Backend_SurvivesAServerRestartMidRun_WithTheSameResults()
    {
        string model = TinyModels.Create(TinyModels.TempDir("restart"));
        int port = FreePort();
        var prompts = Enumerable.Range(0, 24).Select(i => new TextPrompt { Tokens = [i + 1, 7, 9], MaxTokens = 20, Sampling = new SamplingOptions { Temperature = 0 } }).ToList();
        var reference = await Task.Run(() =>
        {
            using var lm = LoadedModel.Open(model, 1, "managed");
            return new TextGenerator(lm).Complete(prompts);
        });

        var first = await RunningServer.StartAsync(model, new ServeOptions { MaxBatch = 2 }, port);
        string name = first.Server.ModelName;
        RunningServer? second = null;
        int done = 0;
        Task? restart = null;
        using var ep = Endpoint(port, name, retries: 60, concurrency: 2);
        using var backend = new OpenAiCompletionBackend(ep);
        var results = await backend.CompleteAsync(prompts, (i, _) =>
        {
            if (Interlocked.Increment(ref done) == 6)
            {
                restart = Task.Run(async () =>
                {
                    await first.DisposeAsync(); // graceful: requests in flight finish, then the port closes
                    await Task.Delay(300);
                    second = await RunningServer.StartAsync(model, new ServeOptions { MaxBatch = 2 }, port);
                });
            }
        });
        await restart!;
        await using (second!)
        {
            Assert.True(ep.Retries > 0, "requests sent while the server was down should have been retried");
            for (int i = 0; i < prompts.Count; i++)
            {
                Assert.Equal(reference[i].Tokens, results[i].Tokens);
                Assert.Equal(reference[i].Text, results[i].Text);
            }
            Assert.True(second!.Server.Metrics.Count(200) > 0, "the second server should have served the rest");
        }
    }

    private sealed class AfterReports(int n, Action act) : IProgressReporter
    {
        private int _count;

        public void Report(string task, long done, long total, string status)
        {
            if (Interlocked.Increment(ref _count) == n)
            {
                act();
            }
        }

        public void Line(string text)
        {
        }

        public void Done()
        {
        }
    }

    [Fact]
    public async Task RemoteScoring_RetriesThroughARestart_AndResumesAfterGivingUp()
    {
        string dir = TinyModels.TempDir("restart-score");
        string model = TinyModels.Create(Path.Combine(dir, "m"));
        string data = Corpus.Pack(model, dir);
        var opts = new CorpusScoreOptions(SeqLen: 24, Batch: 2, DType: "float32");
        int port = FreePort();

        // Uninterrupted run for reference.
        await using (var clean = await RunningServer.StartAsync(model, null, port))
        {
            using var ep = Endpoint(port, clean.Server.ModelName, 3, 2);
            using var scorer = await RemoteWindowScorer.ConnectAsync(ep, 2);
            Assert.True(new CorpusScorer(scorer).Run(data, Path.Combine(dir, "clean"), opts).Complete);
        }

        // 1. The server goes down for a moment after the second batch: the client retries and carries on.
        var s1 = await RunningServer.StartAsync(model, null, port);
        string name = s1.Server.ModelName;
        RunningServer? s2 = null;
        Task? restart = null;
        using (var ep = Endpoint(port, name, 60, 2))
        using (var scorer = await RemoteWindowScorer.ConnectAsync(ep, 2))
        {
            var r = await Task.Run(() => new CorpusScorer(scorer, new AfterReports(2, () => restart = Task.Run(async () =>
            {
                await s1.DisposeAsync();
                await Task.Delay(300);
                s2 = await RunningServer.StartAsync(model, null, port);
            }))).Run(data, Path.Combine(dir, "retried"), opts));
            await restart!;
            Assert.True(r.Complete);
            Assert.True(ep.Retries > 0);
        }

        // 2. The server goes away for longer than the retries last: the run fails clearly, keeps its progress,
        //    and a rerun against the restarted server resumes.
        RunningServer? s3 = null;
        using (var ep = Endpoint(port, name, 2, 2))
        using (var scorer = await RemoteWindowScorer.ConnectAsync(ep, 2))
        {
            var ex = await Assert.ThrowsAsync<RemoteUnavailableException>(() => Task.Run(() =>
                new CorpusScorer(scorer, new AfterReports(3, () => s2!.DisposeAsync().AsTask().GetAwaiter().GetResult())).Run(data, Path.Combine(dir, "resumed"), opts)));
            Assert.Contains("gave up after 3 attempts", ex.Message);
        }
        Assert.False(ScoresManifest.TryLoad(Path.Combine(dir, "resumed"))!.Complete);
        long doneBefore = (long)JsonNode.Parse(File.ReadAllText(Directory.GetFiles(Path.Combine(dir, "resumed", "parts"), "*.json").Single()))!["windows_done"]!;
        Assert.True(doneBefore >= 6);
        s3 = await RunningServer.StartAsync(model, null, port);
        await using (s3)
        {
            using var ep = Endpoint(port, name, 3, 2);
            using var scorer = await RemoteWindowScorer.ConnectAsync(ep, 2);
            var again = new CorpusScorer(scorer).Run(data, Path.Combine(dir, "resumed"), opts);
            Assert.True(again.Complete);
            using var ds = TokenDataset.Open(data);
            long windows = (ds.TotalTokens - 1 + 23) / 24;
            Assert.True(again.TokensScored < ds.TotalTokens - 1, "the rerun should only score what was left");
            Assert.True(windows > doneBefore);
        }
        foreach (string run in new[] { "retried", "resumed" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "clean", "side-00000.bin")), File.ReadAllBytes(Path.Combine(dir, run, "side-00000.bin")));
        }
    }

    [Fact]
    public async Task GracefulShutdown_FinishesStreamsInFlight_ThenRefusesConnections()
    {
        string model = TinyModels.Create(TinyModels.TempDir("shutdown"), maxPositions: 1024);
        var s = await RunningServer.StartAsync(model);
        var baseUrl = s.Server.BaseUrl;
        string body = "{\"prompt\": [1, 2], \"max_tokens\": 600, \"ignore_eos\": true, \"temperature\": 0, \"stream\": true}";
        var stream = Raw.StreamAsync(s.Server, "completions", body);
        while (s.Server.Engine.Running == 0)
        {
            await Task.Delay(5);
        }
        var stop = s.DisposeAsync().AsTask();
        var (events, done) = await stream;
        await stop;
        Assert.True(done);
        Assert.Equal("length", (string)events[^1]["choices"]![0]!["finish_reason"]!);
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(baseUrl, "models")));
    }
}
