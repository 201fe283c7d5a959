using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Engine.Inference;
using Sift.Eval.Reporting;
using Sift.Inference;
using Sift.Inference.Chat;
using Sift.Rewards.Integrative;
using Sift.Text;

namespace Sift.Cli.Commands;

/// <summary>`sift integrative`: Integrative Decoding over k earlier sampled answers, locally (exact) or over an endpoint (approximate).</summary>
public static class IntegrativeCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model folder or Hub id org/name[@revision]; or use --endpoint" };
        var hub = new HubCliOptions();
        var remote = new RemoteCliOptions();
        var tokenizer = new Option<DirectoryInfo?>("--tokenizer") { Description = "With --endpoint: a folder with the served model's tokenizer.json (and tokenizer_config.json), to send token ids" };
        var question = new Option<string?>("--question", "-q") { Description = "One question (or use --input)" };
        var input = new Option<FileInfo?>("--input", "-i") { Description = "JSONL: \"question\" and, optionally, \"answers\" (earlier sampled answers; missing ones are drawn)" };
        var output = new Option<string?>("--output", "-o") { Description = "JSONL output (default: print)" };
        var k = new Option<int>("-k") { Description = "Earlier answers integrated per question (the paper uses 4 to 16)", DefaultValueFactory = _ => 4 };
        var instruction = new Option<string>("--instruction") { Description = "The template's instruction line (default: the paper's TruthfulQA one)", DefaultValueFactory = _ => IntegrativePrompt.DefaultInstruction };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens of the integrated answer", DefaultValueFactory = _ => 256 };
        var sampleTemperature = new Option<float>("--sample-temperature") { Description = "Temperature for drawing missing earlier answers (the paper: 0.7)", DefaultValueFactory = _ => 0.7f };
        var sampleMaxTokens = new Option<int>("--sample-max-tokens") { Description = "Most tokens per drawn earlier answer", DefaultValueFactory = _ => 256 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the drawn answers", DefaultValueFactory = _ => 1UL };
        var noChat = new Option<bool>("--no-chat") { Description = "Use the template text as is instead of one user turn of the model's chat template" };
        var topLogprobs = new Option<int>("--top-logprobs") { Description = "With --endpoint: log-probs per prompt and step for the approximate merge", DefaultValueFactory = _ => 20 };
        var threads = new Option<int>("--threads") { Description = "Compute threads", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var cmd = new Command("integrative", """
            Integrative Decoding (arXiv 2410.01556): for each question, k earlier sampled answers r_1..r_k (given in
            "answers", or drawn here at --sample-temperature) each make one prompt, "Question: {q}\nAnswer: {r_j}\n\n
            {instruction}\nRefined Answer:", in the model's chat template; one shared continuation is decoded for all
            k prompts, each next token the argmax of the k next-token log-probabilities summed (their mean). Locally
            this is exact (k KV-cache slots in lockstep; k = 1 is greedy decoding). With --endpoint it is the
            approximation of a server without a logit merge: per step k one-token requests with the top
            --top-logprobs log-probs, a token a prompt left out counting that prompt's smallest returned log-prob;
            each output line then says "approximate": true. Output: question, answers, integrative, finish_reason.
            """)
        {
            model, tokenizer, question, input, output, k, instruction, maxTokens, sampleTemperature, sampleMaxTokens, seed, noChat, topLogprobs, threads,
        };
        remote.AddTo(cmd);
        hub.AddTo(cmd);
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var modelOpt = hub.Model(pr, model, quiet: false);
            if ((modelOpt is null) == !remote.Given(pr))
            {
                throw new SiftException("give exactly one of --model (a local model) and --endpoint (an OpenAI-compatible server)");
            }
            int kk = pr.GetValue(k);
            if (kk < 1)
            {
                throw new SiftException($"-k: expected ≥ 1, got {kk}");
            }
            var items = Items(pr.GetValue(question), pr.GetValue(input)?.FullName);
            LoadedModel? lm = null;
            try
            {
                ITokenizer tok;
                int? bos, eos;
                ChatPrompt? chat = null;
                ICompletionBackend sampler;
                LocalIntegrativeDecoder? local = null;
                RemoteIntegrativeDecoder? served = null;
                if (modelOpt is not null)
                {
                    lm = LoadedModel.Open(modelOpt.Path, pr.GetValue(threads));
                    tok = lm.RequireTokenizer("integrative prompts");
                    (bos, eos) = (lm.BosId, lm.EosId);
                    if (!pr.GetValue(noChat))
                    {
                        chat = ChatPrompt.For(lm, m => Console.Error.WriteLine($"warning: {m}"));
                    }
                    sampler = new LocalCompletionBackend(lm, 8);
                    local = new LocalIntegrativeDecoder(lm.Model, lm.Compute);
                }
                else
                {
                    var tokDir = pr.GetValue(tokenizer) ?? throw new SiftException("--endpoint needs --tokenizer DIR (the served model's tokenizer.json) to send the k prompts and the shared continuation as token ids");
                    var hf = TokenizerFactory.Load(tokDir.FullName);
                    (tok, bos, eos) = (hf, hf.BosId, hf.EosId);
                    if (!pr.GetValue(noChat) && hf.ChatTemplate is { Length: > 0 } t)
                    {
                        chat = ChatPrompt.FromTemplate(hf, t, "the tokenizer's chat_template");
                    }
                    var endpoint = remote.Create(pr);
                    sampler = new OpenAiCompletionBackend(endpoint, ownsEndpoint: false);
                    served = RemoteIntegrativeDecoder.ConnectAsync(endpoint, pr.GetValue(topLogprobs)).GetAwaiter().GetResult();
                }
                using (sampler)
                {
                    var inputs = new IntegrativeInputs(tok, bos, chat, pr.GetValue(instruction)!);
                    var stops = inputs.StopTokens(eos);
                    var lines = new List<string>();
                    var cancel = CommandRunner.CtrlC();
                    foreach (var (q, given, line) in items)
                    {
                        var answers = given.Take(kk).ToList();
                        if (answers.Count < kk)
                        {
                            var drawn = sampler.CompleteAsync([.. Enumerable.Range(answers.Count, kk - answers.Count).Select(j => new TextPrompt
                            {
                                Text = inputs.QuestionText(q),
                                AllowSpecialTokens = chat is not null,
                                MaxTokens = pr.GetValue(sampleMaxTokens),
                                Sampling = new SamplingOptions { Temperature = pr.GetValue(sampleTemperature) },
                                Seed = pr.GetValue(seed) + (ulong)line * 1_000_003UL + (ulong)j,
                                Stop = chat?.Stops ?? [],
                                FitToContext = true,
                            })], null, cancel).GetAwaiter().GetResult();
                            answers.AddRange(drawn.Select(d => d.Text.Trim()));
                        }
                        var prompts = inputs.Build(q, answers);
                        var r = local is not null
                            ? local.Decode(prompts, pr.GetValue(maxTokens), stops, cancel)
                            : served!.DecodeAsync(prompts, pr.GetValue(maxTokens), stops, cancel).GetAwaiter().GetResult();
                        lines.Add(new JsonObject
                        {
                            ["question"] = q,
                            ["k"] = kk,
                            ["answers"] = new JsonArray([.. answers.Select(a => (JsonNode)a)]),
                            ["integrative"] = tok.Decode(r.Tokens),
                            ["finish_reason"] = r.FinishReason,
                            ["approximate"] = r.Approximate,
                        }.ToJsonString(EvalJson.Line));
                        if (pr.GetValue(output) is null)
                        {
                            Console.WriteLine(lines[^1]);
                        }
                    }
                    if (pr.GetValue(output) is { } outPath)
                    {
                        AtomicFile.WriteAllText(outPath, string.Concat(lines.Select(l => l + "\n")));
                        Console.Error.WriteLine($"{lines.Count} integrated answers -> {Path.GetFullPath(outPath)}");
                    }
                }
            }
            finally
            {
                lm?.Dispose();
            }
            return 0;
        }));
        return cmd;
    }

    // (question, given answers, line) from --question or the JSONL input; bad lines are named by line and field.
    private static List<(string Question, List<string> Answers, int Line)> Items(string? question, string? input)
    {
        if ((question is null) == (input is null))
        {
            throw new SiftException("give exactly one of --question and --input");
        }
        if (question is not null)
        {
            return [(question, [], 1)];
        }
        if (!File.Exists(input))
        {
            throw new SiftException($"{input}: input file not found");
        }
        var items = new List<(string, List<string>, int)>();
        int n = 0;
        foreach (string text in File.ReadLines(input!))
        {
            n++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            JsonObject o;
            try
            {
                o = JsonNode.Parse(text) as JsonObject ?? throw new SiftException($"{input}:{n}: expected a JSON object with \"question\"");
            }
            catch (JsonException ex)
            {
                throw new SiftException($"{input}:{n}: invalid JSON: {ex.Message}");
            }
            string q = o["question"] is JsonValue qv && qv.TryGetValue(out string? qs) ? qs : throw new SiftException($"{input}:{n}: field \"question\": missing or not a string");
            var answers = new List<string>();
            if (o["answers"] is JsonArray arr)
            {
                for (int i = 0; i < arr.Count; i++)
                {
                    answers.Add(arr[i] is JsonValue av && av.TryGetValue(out string? a) ? a : throw new SiftException($"{input}:{n}: field \"answers[{i}]\": expected a string"));
                }
            }
            else if (o.ContainsKey("answers"))
            {
                throw new SiftException($"{input}:{n}: field \"answers\": expected a list of strings");
            }
            items.Add((q, answers, n));
        }
        return items;
    }
}
