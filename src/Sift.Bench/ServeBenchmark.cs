using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Sift.Inference;
using Sift.Remote;
using Sift.Serving;

namespace Sift.Bench;

/// <summary>Settings of the serving benchmark.</summary>
public sealed record ServeBenchOptions
{
    /// <summary>Client counts to measure.</summary>
    public IReadOnlyList<int> Concurrency { get; init; } = [1, 4, 16, 64];

    /// <summary>Requests each client sends per measurement (at least 2 per client in total runs).</summary>
    public int RequestsPerClient { get; init; } = 2;

    /// <summary>Prompt length (random token ids).</summary>
    public int PromptTokens { get; init; } = 32;

    /// <summary>Tokens generated per request (EOS ignored, so every request generates exactly this many).</summary>
    public int MaxTokens { get; init; } = 32;

    /// <summary>Slots when batching is on.</summary>
    public int MaxBatch { get; init; } = 64;

    /// <summary>Requests for the overhead measurement.</summary>
    public int OverheadRequests { get; init; } = 400;

    /// <summary>Progress lines.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>One throughput measurement.</summary>
/// <param name="Batching">Batching on (max-batch N) or off (max-batch 1).</param>
/// <param name="Clients">Concurrent clients.</param>
/// <param name="Requests">Requests completed.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="TokensPerSecond">Generated tokens per second, all clients together.</param>
/// <param name="LatencyP50">Median request latency (s).</param>
/// <param name="LatencyP90">90th percentile latency (s).</param>
public sealed record ThroughputPoint(bool Batching, int Clients, int Requests, double Seconds, double TokensPerSecond, double LatencyP50, double LatencyP90);

/// <summary>The overhead measurement: tiny requests one at a time, server-side and client-side.</summary>
/// <param name="Requests">Requests measured.</param>
/// <param name="ServerP50Ms">Median server overhead (handler time beyond the engine), from /metrics' window.</param>
/// <param name="ServerP90Ms">90th percentile of the same.</param>
/// <param name="RoundTripP50Ms">Median client round trip minus the engine time the server reports (Server-Timing).</param>
/// <param name="EngineP50Ms">Median engine time of one such request.</param>
public sealed record OverheadResult(int Requests, double ServerP50Ms, double ServerP90Ms, double RoundTripP50Ms, double EngineP50Ms);

/// <summary>
/// Drives a real `sift serve` (Kestrel on a loopback port) with the same HTTP client that talks to vLLM:
/// throughput against concurrency with batching on and off, and the server's own overhead per request.
/// </summary>
public static class ServeBenchmark
{
    /// <summary>Runs everything; returns the points and the overhead.</summary>
    public static async Task<(List<ThroughputPoint> Points, OverheadResult Overhead)> RunAsync(LoadedModel model, ServeBenchOptions o)
    {
        var log = o.Log ?? (_ => { });
        var points = new List<ThroughputPoint>();
        OverheadResult? overhead = null;
        foreach (bool batching in new[] { true, false })
        {
            int maxQueue = Math.Max(1024, o.Concurrency.Max() * 4);
            var serve = new ServeOptions { Port = 0, MaxBatch = batching ? o.MaxBatch : 1, MaxQueue = maxQueue, Log = _ => { } };
            await using var server = await SiftServer.StartAsync(model, serve).ConfigureAwait(false);
            using var ep = new RemoteEndpoint(new RemoteOptions
            {
                Endpoint = server.BaseUrl,
                Model = server.ModelName,
                MaxConcurrency = o.Concurrency.Max(),
                MaxRetries = 0,
                RequestTimeout = TimeSpan.FromMinutes(30),
            });
            var client = new CompletionsClient(ep);
            // Warm-up: JIT, connections, caches.
            await Task.WhenAll(Enumerable.Range(0, Math.Min(8, o.Concurrency.Max())).Select(i => OneAsync(client, model, o, 1000 + i))).ConfigureAwait(false);
            foreach (int c in o.Concurrency)
            {
                var p = await MeasureAsync(client, model, o, batching, c).ConfigureAwait(false);
                points.Add(p);
                log($"batching {(batching ? "on " : "off")} clients {c,3}: {p.TokensPerSecond,9:0.0} tok/s  p50 {p.LatencyP50 * 1000,8:0.0} ms  ({p.Requests} requests, {p.Seconds:0.0} s)");
            }
            if (batching)
            {
                overhead = await OverheadAsync(server, model, o).ConfigureAwait(false);
                log($"server overhead per request: p50 {overhead.ServerP50Ms:0.000} ms, p90 {overhead.ServerP90Ms:0.000} ms (server-side); " +
                    $"round trip beyond the engine p50 {overhead.RoundTripP50Ms:0.000} ms; engine p50 {overhead.EngineP50Ms:0.000} ms");
            }
        }
        return (points, overhead!);
    }

    private static int[] Prompt(LoadedModel model, int len, int seed)
    {
        var rng = new Random(seed);
        int vocab = model.Model.Config.VocabSize;
        return Enumerable.Range(0, len).Select(_ => rng.Next(vocab)).ToArray();
    }

    private static Task<CompletionResponse> OneAsync(CompletionsClient client, LoadedModel model, ServeBenchOptions o, int seed) =>
        client.CreateAsync(new CompletionRequest
        {
            Prompts = [CompletionPrompt.FromTokens(Prompt(model, o.PromptTokens, seed))],
            MaxTokens = o.MaxTokens,
            Temperature = 0,
            Extra = new JsonObject { ["ignore_eos"] = true },
        });

    private static async Task<ThroughputPoint> MeasureAsync(CompletionsClient client, LoadedModel model, ServeBenchOptions o, bool batching, int clients)
    {
        int perClient = Math.Max(o.RequestsPerClient, (int)Math.Ceiling(8.0 / clients));
        var latencies = new List<double>();
        long tokens = 0;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            for (int k = 0; k < perClient; k++)
            {
                var t = Stopwatch.StartNew();
                var r = await OneAsync(client, model, o, c * 7919 + k).ConfigureAwait(false);
                double s = t.Elapsed.TotalSeconds;
                lock (latencies)
                {
                    latencies.Add(s);
                    tokens += r.Usage?.CompletionTokens ?? 0;
                }
            }
        })).ConfigureAwait(false);
        double wall = sw.Elapsed.TotalSeconds;
        latencies.Sort();
        return new ThroughputPoint(batching, clients, latencies.Count, wall, tokens / wall, Quantile(latencies, 0.5), Quantile(latencies, 0.9));
    }

    // Tiny requests (2-token prompt, 1 generated token), one at a time: what is left beyond the engine is the
    // server's own cost (parse, validate, JSON, Kestrel, loopback TCP).
    private static async Task<OverheadResult> OverheadAsync(SiftServer server, LoadedModel model, ServeBenchOptions o)
    {
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        byte[] body = Encoding.UTF8.GetBytes($"{{\"model\":\"{server.ModelName}\",\"prompt\":[1,2],\"max_tokens\":1,\"temperature\":0}}");
        async Task<(double Rtt, double Engine)> Once()
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            long t0 = Stopwatch.GetTimestamp();
            using var resp = await http.PostAsync("completions", content).ConfigureAwait(false);
            await resp.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            double rtt = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            resp.EnsureSuccessStatusCode();
            return (rtt, EngineMs(resp));
        }
        for (int i = 0; i < 50; i++)
        {
            await Once().ConfigureAwait(false);
        }
        server.Metrics.ResetOverhead();
        var beyond = new List<double>();
        var engine = new List<double>();
        for (int i = 0; i < o.OverheadRequests; i++)
        {
            var (rtt, eng) = await Once().ConfigureAwait(false);
            beyond.Add(rtt - eng);
            engine.Add(eng);
        }
        beyond.Sort();
        engine.Sort();
        return new OverheadResult(o.OverheadRequests, server.Metrics.OverheadQuantile(0.5) * 1000, server.Metrics.OverheadQuantile(0.9) * 1000,
            Quantile(beyond, 0.5), Quantile(engine, 0.5));
    }

    private static double EngineMs(HttpResponseMessage resp)
    {
        if (!resp.Headers.TryGetValues("Server-Timing", out var values))
        {
            return 0;
        }
        foreach (string part in string.Join(",", values).Split(','))
        {
            string p = part.Trim();
            if (p.StartsWith("engine;dur=", StringComparison.Ordinal))
            {
                return double.Parse(p.AsSpan(11), NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    private static double Quantile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(q * sorted.Count))];
}
