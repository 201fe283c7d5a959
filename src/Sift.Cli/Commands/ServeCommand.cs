using System.CommandLine;
using Sift.Core;
using Sift.Inference;
using Sift.LlamaCpp.Backend;
using Sift.Remote;
using Sift.Serving;

namespace Sift.Cli.Commands;

/// <summary>`sift serve`: an OpenAI-compatible server over a local model; `sift serve bench` measures it.</summary>
public static class ServeCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model folder (config.json + safetensors [+ tokenizer.json]) or Hub id org/name[@revision]; a GGUF file with --backend llamacpp", Required = true };
        var hub = new HubCliOptions();
        var host = new Option<string>("--host") { Description = "Address to bind (loopback by default; 0.0.0.0 for all interfaces)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port", DefaultValueFactory = _ => 8000 };
        var keyEnv = new Option<string?>("--api-key-env") { Description = "Require 'Authorization: Bearer KEY' on every request, KEY read from this environment variable" };
        var name = new Option<string?>("--served-model-name") { Description = "Model name clients send (default: the folder's name, or the Hub id)" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Sequences decoded together (1 = no batching)", DefaultValueFactory = _ => 16 };
        var queue = new Option<int>("--queue") { Description = "Sequences that may wait for a slot; beyond that requests get 429", DefaultValueFactory = _ => 256 };
        var maxLen = new Option<int?>("--max-model-len") { Description = "Context per sequence (default: max_position_embeddings); smaller saves KV-cache memory" };
        var maxLogprobs = new Option<int>("--max-logprobs") { Description = "Most alternatives per position a request may ask for", DefaultValueFactory = _ => 20 };
        var threads = new Option<int>("--threads") { Description = "Compute threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var weights = WeightsOption.Create();
        var backend = BackendOption.Create();
        var shutdown = new Option<double>("--shutdown-timeout") { Description = "Seconds a graceful stop (Ctrl-C, SIGTERM) waits for requests in flight", DefaultValueFactory = _ => 30 };
        var cmd = new Command("serve", """
            Serve a model over HTTP with the OpenAI API (any OpenAI client, vLLM-style extras):
              GET /v1/models, POST /v1/completions (text or token-id prompts, echo + logprobs, stream),
              POST /v1/chat/completions (the model's chat template, stream, logprobs), GET /health, GET /metrics.
            Requests from many clients are batched into the engine; a full queue answers 429.
            --backend llamacpp serves a GGUF file on llama.cpp with the same API, batching and sampling.
            """)
        {
            model, host, port, keyEnv, name, maxBatch, queue, maxLen, maxLogprobs, threads, shutdown, weights, backend,
        };
        hub.AddTo(cmd);
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            string? gguf = BackendOption.GgufPath(pr, backend, model);
            var resolved = gguf is null ? hub.Model(pr, model)! : null;
            var options = new ServeOptions
            {
                Host = pr.GetValue(host)!,
                Port = pr.GetValue(port),
                ApiKey = RemoteOptions.ApiKeyFromEnvironment(pr.GetValue(keyEnv)),
                ServedModelName = pr.GetValue(name) ?? resolved?.Repo?.Id,
                MaxBatch = pr.GetValue(maxBatch),
                MaxQueue = pr.GetValue(queue),
                MaxModelLen = pr.GetValue(maxLen),
                MaxLogprobs = pr.GetValue(maxLogprobs),
                ShutdownTimeout = TimeSpan.FromSeconds(pr.GetValue(shutdown)),
                HandleSignals = true,
            }.Validate();
            if (pr.GetValue(threads) < 1)
            {
                throw new SiftException($"--threads must be ≥ 1, got {pr.GetValue(threads)}");
            }
            RunServer(gguf is not null
                ? LlamaCppModel.Open(gguf, pr.GetValue(threads), options.MaxModelLen ?? 0)
                : LoadedModel.Open(resolved!.Path, pr.GetValue(threads), weights: WeightsOption.Get(pr, weights)), options).GetAwaiter().GetResult();
            return 0;
        }));
        cmd.Add(ServeBenchCommand.Create());
        return cmd;
    }

    // Serves a loaded model (a model folder on Sift's engine, or a GGUF file on llama.cpp) and disposes it at the end.
    private static async Task RunServer(IDecoderModel model, ServeOptions options)
    {
        SiftServer server;
        try
        {
            server = await SiftServer.StartAsync(model, options, ownsModel: true).ConfigureAwait(false);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        await using var _ = server;
        Console.Error.WriteLine("sift serve: Ctrl-C (or SIGTERM) stops after the requests in flight finish");
        await server.WaitForShutdownAsync().ConfigureAwait(false);
        Console.Error.WriteLine("sift serve: stopping");
    }
}
