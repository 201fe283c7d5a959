using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Bench;
using Sift.Core;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.Inference;

namespace Sift.Cli.Commands;

/// <summary>`sift serve bench`: throughput against concurrency (batching on/off) and per-request overhead of a real server.</summary>
public static class ServeBenchCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model folder or Hub id org/name[@revision] to serve (default: a random model of --preset)" };
        var hub = new HubCliOptions();
        var preset = new Option<string>("--preset") { Description = "Without --model: tiny | small | tinyllama-1.1b (random weights)", DefaultValueFactory = _ => "small" };
        var conc = new Option<string>("--concurrency") { Description = "Client counts, comma-separated", DefaultValueFactory = _ => "1,4,16,64" };
        var perClient = new Option<int>("--requests-per-client") { Description = "Requests each client sends per point", DefaultValueFactory = _ => 2 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length (random ids)", DefaultValueFactory = _ => 32 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens generated per request", DefaultValueFactory = _ => 32 };
        var maxBatch = new Option<int>("--max-batch") { Description = "Slots with batching on", DefaultValueFactory = _ => 64 };
        var threads = new Option<int>("--threads") { Description = "Compute threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print a JSON report" };
        var cmd = new Command("bench", """
            Benchmark `sift serve` on a loopback port with the real HTTP client: generated tokens/s against 1, 4, 16 and
            64 concurrent clients with batching on (--max-batch) and off (max-batch 1), and the server's own overhead per
            request beyond generation (p50, server-side and client round trip).
            """)
        {
            model, preset, conc, perClient, promptTokens, maxTokens, maxBatch, threads, json,
        };
        hub.AddTo(cmd);
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var levels = pr.GetValue(conc)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, out int v) && v > 0 ? v : throw new SiftException($"--concurrency '{s}': expected positive integers, e.g. 1,4,16,64")).ToList();
            string dir = hub.Model(pr, model, quiet: pr.GetValue(json))?.Path ?? RandomModel(pr.GetValue(preset)!);
            bool asJson = pr.GetValue(json);
            using var lm = LoadedModel.Open(dir, pr.GetValue(threads));
            var o = new ServeBenchOptions
            {
                Concurrency = levels,
                RequestsPerClient = pr.GetValue(perClient),
                PromptTokens = pr.GetValue(promptTokens),
                MaxTokens = pr.GetValue(maxTokens),
                MaxBatch = pr.GetValue(maxBatch),
                Log = asJson ? null : Console.WriteLine,
            };
            if (o.PromptTokens + o.MaxTokens > lm.Model.Config.MaxPositionEmbeddings)
            {
                throw new SiftException($"--prompt-tokens + --max-tokens ({o.PromptTokens + o.MaxTokens}) exceeds the model's context {lm.Model.Config.MaxPositionEmbeddings}");
            }
            if (!asJson)
            {
                Console.WriteLine($"model {dir} ({lm.Model.Config.ParameterCount:N0} parameters), {pr.GetValue(threads)} threads, {Environment.ProcessorCount} cores, " +
                    $"prompt {o.PromptTokens} + {o.MaxTokens} generated tokens per request");
            }
            var (points, overhead) = ServeBenchmark.RunAsync(lm, o).GetAwaiter().GetResult();
            if (asJson)
            {
                CommandRunner.WriteJson(new JsonObject
                {
                    ["model"] = dir,
                    ["parameters"] = lm.Model.Config.ParameterCount,
                    ["threads"] = pr.GetValue(threads),
                    ["cores"] = Environment.ProcessorCount,
                    ["prompt_tokens"] = o.PromptTokens,
                    ["max_tokens"] = o.MaxTokens,
                    ["points"] = new JsonArray(points.Select(p => (JsonNode)new JsonObject
                    {
                        ["batching"] = p.Batching,
                        ["clients"] = p.Clients,
                        ["requests"] = p.Requests,
                        ["seconds"] = Math.Round(p.Seconds, 3),
                        ["tokens_per_s"] = Math.Round(p.TokensPerSecond, 1),
                        ["latency_p50_ms"] = Math.Round(p.LatencyP50 * 1000, 2),
                        ["latency_p90_ms"] = Math.Round(p.LatencyP90 * 1000, 2),
                    }).ToArray()),
                    ["overhead"] = new JsonObject
                    {
                        ["requests"] = overhead.Requests,
                        ["server_p50_ms"] = Math.Round(overhead.ServerP50Ms, 4),
                        ["server_p90_ms"] = Math.Round(overhead.ServerP90Ms, 4),
                        ["round_trip_beyond_engine_p50_ms"] = Math.Round(overhead.RoundTripP50Ms, 4),
                        ["engine_p50_ms"] = Math.Round(overhead.EngineP50Ms, 4),
                    },
                });
            }
            return 0;
        }));
        return cmd;
    }

    private static string RandomModel(string preset)
    {
        var cfg = ModelPresets.Find(preset) ?? throw new SiftException($"--preset '{preset}': expected tiny, small or tinyllama-1.1b");
        string dir = Path.Combine(Path.GetTempPath(), $"sift-serve-bench-{preset}");
        if (!File.Exists(Path.Combine(dir, "config.json")))
        {
            using var m = new LlamaModel(cfg);
            m.InitRandom(1, std: 0.02f);
            HfModelFolder.Save(m, dir);
        }
        return dir;
    }
}
