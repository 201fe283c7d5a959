using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Sift.Eval.Datasets;
using Sift.Eval.Prompts;
using Sift.Eval.Samples;
using Sift.Inference;
using Sift.Pipelines.Evaluation;
using Sift.Remote;

namespace Sift.Serving.Tests;

/// <summary>`sift eval`'s runner over `sift serve`: it rides through a restart, and resumes after giving up.</summary>
public sealed class EvalOverServerTests
{
    private static string TinyGsm(string dir, int n)
    {
        string path = Path.Combine(dir, "gsm.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, n).Select(i => new JsonObject
        {
            ["question"] = $"Tom has {i} apples and buys {2 * i} more. How many?",
            ["answer"] = $"{i} + {2 * i} = {3 * i}\n#### {3 * i}",
            ["idx"] = i,
        }.ToJsonString()));
        return path;
    }

    private static EvalRunOptions Options(string data, string outDir) => new()
    {
        Dataset = DatasetLoader.Load(DatasetRegistry.Get("gsm8k"), data),
        Prompts = new PromptBuilder(DatasetRegistry.Get("gsm8k"), PromptKind.Chat),
        OutDir = outDir,
        Samples = 2,
        Temperature = 0.8f,
        MaxTokens = 10,
        Seed = 3,
        Chunk = 4,
        CurveTrials = 5,
    };

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static OpenAiCompletionBackend Backend(int port, string model, int retries) => new(new RemoteEndpoint(new RemoteOptions
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}/v1"),
        Model = model,
        MaxRetries = retries,
        MaxConcurrency = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromMilliseconds(300),
    }), ownsEndpoint: true);

    /// <summary>Calls an action after the n-th completion that passes through.</summary>
    private sealed class After(ICompletionBackend inner, int n, Action act) : ICompletionBackend
    {
        private int _done;

        public string Name => inner.Name;

        public Task<TextCompletion[]> CompleteAsync(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default) =>
            inner.CompleteAsync(prompts, (i, c) =>
            {
                onDone?.Invoke(i, c);
                if (Interlocked.Increment(ref _done) == n)
                {
                    act();
                }
            }, cancel);

        public void Dispose() => inner.Dispose();
    }

    private static List<string> Samples(string dir) => SamplesLog.ReadAll(Path.Combine(dir, "samples.jsonl"))
        .Select(r => r with { Seconds = 0, Prompt = null }).OrderBy(r => r.Idx).ThenBy(r => r.Sample).Select(r => r.ToJson()).ToList();

    [Fact]
    public async Task EvalRun_SurvivesARestart_AndResumesAfterTheServerWasGone()
    {
        string dir = TinyModels.TempDir("eval-restart");
        string model = TinyModels.Create(Path.Combine(dir, "m"));
        string data = TinyGsm(dir, 6);
        int port = FreePort();
        string name;

        // Reference: an uninterrupted run against the server.
        await using (var s = await RunningServer.StartAsync(model, null, port))
        {
            name = s.Server.ModelName;
            using var backend = Backend(port, name, 3);
            Assert.Equal(12, (await new EvalRun(backend, null, Options(data, Path.Combine(dir, "whole"))).RunAsync()).Generated);
        }

        // 1. The server restarts after 4 completions; retries carry the run through to the same samples.
        var first = await RunningServer.StartAsync(model, null, port);
        RunningServer? second = null;
        Task? restart = null;
        using (var backend = new After(Backend(port, name, 60), 4, () => restart = Task.Run(async () =>
        {
            await first.DisposeAsync();
            await Task.Delay(300);
            second = await RunningServer.StartAsync(model, null, port);
        })))
        {
            var r = await new EvalRun(backend, null, Options(data, Path.Combine(dir, "restarted"))).RunAsync();
            await restart!;
            Assert.Equal(12, r.Generated);
        }
        Assert.Equal(Samples(Path.Combine(dir, "whole")), Samples(Path.Combine(dir, "restarted")));

        // 2. The server goes away for longer than the retries: the run stops with a clear error, the finished
        //    completions stay in samples.jsonl, and the same run against a new server resumes without redoing them.
        string outDir = Path.Combine(dir, "resumed");
        using (var backend = new After(Backend(port, name, 1), 5, () => second!.DisposeAsync().AsTask().GetAwaiter().GetResult()))
        {
            var ex = await Assert.ThrowsAsync<RemoteUnavailableException>(() => new EvalRun(backend, null, Options(data, outDir)).RunAsync());
            Assert.Contains("gave up", ex.Message);
        }
        int onDisk = SamplesLog.ReadAll(Path.Combine(outDir, "samples.jsonl")).Count;
        Assert.InRange(onDisk, 5, 11);
        await using (var third = await RunningServer.StartAsync(model, null, port))
        {
            using var backend = Backend(port, name, 3);
            var resumed = await new EvalRun(backend, null, Options(data, outDir)).RunAsync();
            Assert.Equal((12 - onDisk, onDisk), (resumed.Generated, resumed.Reused));
        }
        Assert.Equal(Samples(Path.Combine(dir, "whole")), Samples(outDir));
    }
}
