using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Engine.Inference;
using Sift.Inference;

namespace Sift.Cli.Commands;

/// <summary>`sift generate`: complete prompts with a local model, or with an OpenAI-compatible server (--endpoint).</summary>
public static class GenerateCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model folder (config.json + model.safetensors [+ tokenizer.json]) or Hub id org/name[@revision]; or use --endpoint" };
        var hub = new HubCliOptions();
        var remote = new RemoteCliOptions();
        var prompt = new Option<string[]>("--prompt", "-p") { Description = "Prompt text (repeatable; all prompts are batched)" };
        var input = new Option<FileInfo?>("--input", "-i") { Description = "JSONL of prompts: {\"prompt\": text} or {\"tokens\": [ids]} per line" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write completions as JSONL here (default: print)" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens to generate per prompt", DefaultValueFactory = _ => 128 };
        var temperature = new Option<float>("--temperature", "-t") { Description = "0 = greedy", DefaultValueFactory = _ => 0f };
        var topK = new Option<int>("--top-k") { Description = "Sample from the k most likely tokens (0 = off)", DefaultValueFactory = _ => 0 };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass (1 = off)", DefaultValueFactory = _ => 1f };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed (prompt i uses seed + i)", DefaultValueFactory = _ => 0UL };
        var stop = new Option<string[]>("--stop") { Description = "Stop string (repeatable); not included in the output" };
        var batch = new Option<int>("--batch") { Description = "Prompts decoded together", DefaultValueFactory = _ => 8 };
        var threads = new Option<int>("--threads") { Description = "Compute threads", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per completion" };
        var weights = WeightsOption.Create();
        var backend = BackendOption.Create();
        var cmd = new Command("generate", """
            Generate completions with a KV cache: greedy, temperature, top-k, top-p, stop strings, many prompts batched.
            With --endpoint URL the prompts go to an OpenAI-compatible server (vLLM, sift serve) as /v1/completions
            requests instead (raw prompts, no chat template; --concurrency in flight, retried on 429/5xx/timeouts).
            """)
        {
            model, prompt, input, output, maxTokens, temperature, topK, topP, seed, stop, batch, threads, json, weights, backend,
        };
        remote.AddTo(cmd);
        hub.AddTo(cmd);
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var sampling = new SamplingOptions { Temperature = pr.GetValue(temperature), TopK = pr.GetValue(topK), TopP = pr.GetValue(topP) };
            try
            {
                sampling.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new SiftException(ex.Message);
            }
            if ((pr.GetValue(model) is null) == !remote.Given(pr))
            {
                throw new SiftException("give exactly one of --model (a local model folder) and --endpoint (an OpenAI-compatible server)");
            }
            var stops = pr.GetValue(stop) ?? [];
            ulong s0 = pr.GetValue(seed);
            var prompts = new List<TextPrompt>();
            foreach (string p in pr.GetValue(prompt) ?? [])
            {
                prompts.Add(new TextPrompt { Text = p });
            }
            if (pr.GetValue(input) is FileInfo f)
            {
                prompts.AddRange(ReadPrompts(f.FullName));
            }
            if (prompts.Count == 0)
            {
                throw new SiftException("give at least one --prompt or an --input JSONL file");
            }
            prompts = prompts.Select((p, i) => p with { MaxTokens = pr.GetValue(maxTokens), Sampling = sampling, Seed = s0 + (ulong)i, Stop = stops }).ToList();
            TextCompletion[] results;
            if (BackendOption.GgufPath(pr, backend, model) is { } gguf)
            {
                using var cpp = Sift.LlamaCpp.Backend.LlamaCppModel.Open(gguf, pr.GetValue(threads));
                results = new TextGenerator(cpp, pr.GetValue(batch)).Complete(prompts, cancel: CommandRunner.CtrlC());
            }
            else if (hub.Model(pr, model, quiet: pr.GetValue(json)) is { } modelDir)
            {
                using var lm = LoadedModel.Open(modelDir.Path, pr.GetValue(threads), weights: WeightsOption.Get(pr, weights));
                results = new TextGenerator(lm, pr.GetValue(batch)).Complete(prompts, cancel: CommandRunner.CtrlC());
            }
            else
            {
                using var backend = new OpenAiCompletionBackend(remote.Create(pr), ownsEndpoint: true);
                results = backend.CompleteAsync(prompts, cancel: CommandRunner.CtrlC()).GetAwaiter().GetResult();
            }
            var lines = results.Select((r, i) => new JsonObject
            {
                ["index"] = i,
                ["prompt"] = prompts[i].Text,
                ["completion"] = r.Text,
                ["tokens"] = new JsonArray(r.Tokens.Select(t => (JsonNode)t).ToArray()),
                ["finish_reason"] = r.FinishReason,
                ["prompt_tokens"] = r.PromptTokens,
            }.ToJsonString()).ToList();
            if (pr.GetValue(output) is FileInfo o)
            {
                Sift.Core.IO.AtomicFile.WriteAllText(o.FullName, string.Concat(lines.Select(l => l + "\n")));
                Console.Error.WriteLine($"wrote {lines.Count} completions to {o.FullName}");
            }
            else if (pr.GetValue(json))
            {
                lines.ForEach(Console.WriteLine);
            }
            else
            {
                for (int i = 0; i < results.Length; i++)
                {
                    Console.WriteLine($"--- [{i}] {results[i].FinishReason}, {results[i].Tokens.Length} tokens");
                    Console.WriteLine((prompts[i].Text ?? "") + results[i].Text);
                }
            }
            return 0;
        }));
        return cmd;
    }

    private static IEnumerable<TextPrompt> ReadPrompts(string path)
    {
        int n = 0;
        foreach (string line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            JsonObject o;
            try
            {
                o = JsonNode.Parse(line) as JsonObject ?? throw new SiftException($"{path}:{n}: expected a JSON object");
            }
            catch (JsonException ex)
            {
                throw new SiftException($"{path}:{n}: invalid JSON: {ex.Message}");
            }
            if (o["prompt"] is JsonValue pv && pv.TryGetValue(out string? text))
            {
                yield return new TextPrompt { Text = text };
            }
            else if (o["tokens"] is JsonArray arr)
            {
                yield return new TextPrompt { Tokens = arr.Select((t, i) => t is JsonValue v && v.TryGetValue(out int id) ? id : throw new SiftException($"{path}:{n}: tokens[{i}] is not an integer")).ToArray() };
            }
            else
            {
                throw new SiftException($"{path}:{n}: expected \"prompt\" (string) or \"tokens\" (array of ids)");
            }
        }
    }
}
