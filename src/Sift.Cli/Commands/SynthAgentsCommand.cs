using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Curation.Agents;
using Sift.Eval.Datasets;
using Sift.Inference;
using Sift.Remote;
using Sift.Serving;

namespace Sift.Cli.Commands;

/// <summary>`sift synth agents|augment`: new problems written by chat agents over a local model or an endpoint.</summary>
internal static class SynthAgentsCommand
{
    public static Command Agents() => Create("agents", """
        Orca-Math's agents make new problems from seed problems through any chat backend:
          ask-me-anything    seed problem + answer -> a statement -> one new problem per number in it (answer = that
                             number); the solver must reach it (strict grading) or the problem is rejected
          suggester-editor   the suggester lists ways to make a problem harder, the editor writes it, the solver
                             answers it; --rounds rounds, each on the previous round's problem (Orca-Math: 2)
        Solutions longer than --max-answer-chars (Orca-Math: 1800) are dropped. Replies that are not the JSON asked
        for, lack a question or answer, or repeat a known question are rejected and counted by reason. Each line has
        its provenance (seed id, agent, round, prompt hash, model, sampling seed). Rerunning resumes; nothing is
        written twice.
          sift synth agents --agent ask-me-anything -i seeds.jsonl -o ama.jsonl --endpoint http://127.0.0.1:8000/v1
          sift synth agents --agent suggester-editor -i seeds.jsonl -o harder.jsonl -m ./runs/sft/final
        """, isAugment: false);

    public static Command Augment() => Create("augment", """
        InternLM2-Math's augmentation: each seed question is sent with one of its templates (rephrase, augment,
        harder, change-numbers, fractions; several with --modes a,b) and the reply is the new problem, which the
        solver then answers (--no-solve keeps problems only). Same provenance, rejections and resume as agents.
          sift synth augment -i seeds.jsonl -o aug.jsonl --modes rephrase,change-numbers --endpoint http://127.0.0.1:8000/v1
        """, isAugment: true);

    private static Command Create(string name, string description, bool isAugment)
    {
        var d = new AgentOptions();
        var input = new Option<string>("--input", "-i") { Description = "JSONL of seed problems", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "JSONL of new problems (appended; OUT.state.jsonl beside it makes reruns resume)", Required = true };
        var model = new Option<string?>("--model", "-m") { Description = "Local model folder (served in-process through sift serve's chat path; needs a chat template) or Hub id; or use --endpoint" };
        var remote = new RemoteCliOptions();
        var hub = new HubCliOptions();
        var agent = new Option<string>("--agent") { Description = "ask-me-anything or suggester-editor", DefaultValueFactory = _ => "ask-me-anything" };
        agent.AcceptOnlyFromAmong("ask-me-anything", "suggester-editor");
        var modes = new Option<string>("--modes") { Description = $"Comma-separated augmentation modes: {string.Join(", ", AgentNames.Modes)}", DefaultValueFactory = _ => "rephrase" };
        var rounds = new Option<int>("--rounds") { Description = "Suggester & Editor rounds per seed", DefaultValueFactory = _ => d.Rounds };
        var noSolve = new Option<bool>("--no-solve") { Description = "Do not have the solver answer the new problems" };
        var maxAnswer = new Option<int>("--max-answer-chars") { Description = "Drop solutions longer than this (Orca-Math's filter)", DefaultValueFactory = _ => d.MaxAnswerChars };
        var temperature = new Option<float>("--temperature", "-t") { Description = "Sampling temperature", DefaultValueFactory = _ => d.Temperature };
        var topP = new Option<float>("--top-p") { Description = "Nucleus mass", DefaultValueFactory = _ => d.TopP };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per reply", DefaultValueFactory = _ => d.MaxTokens };
        var seed = new Option<ulong>("--seed") { Description = "Base of the per-request sampling seeds", DefaultValueFactory = _ => d.Seed };
        var parallel = new Option<int>("--parallel") { Description = "Seed problems worked on at once", DefaultValueFactory = _ => d.Concurrency };
        var questionField = new Option<string>("--question-field") { Description = "Field with the seed question", DefaultValueFactory = _ => d.QuestionField };
        var answerField = new Option<string>("--answer-field") { Description = "Field with the seed answer or solution (ask-me-anything)", DefaultValueFactory = _ => d.AnswerField };
        var idField = new Option<string?>("--id-field") { Description = "Field with the seed's id (default: idx or id when present, else the line number)" };
        var limit = new Option<int?>("--limit") { Description = "Only the first N seeds" };
        var threads = new Option<int>("--threads") { Description = "With --model: compute threads", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var badLines = new Option<string>("--bad-lines") { Description = "Malformed seed lines: abort (default) or skip (reported and counted)", DefaultValueFactory = _ => "abort" };
        badLines.AcceptOnlyFromAmong("abort", "skip");
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var cmd = new Command(name, description) { input, output, model };
        Option[] own = isAugment ? [modes] : [agent, rounds, answerField];
        foreach (var o in own.Concat<Option>([noSolve, maxAnswer, temperature, topP, maxTokens, seed, parallel, questionField, idField, limit, threads, badLines, json]))
        {
            cmd.Add(o);
        }
        remote.AddTo(cmd);
        hub.AddTo(cmd);
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var options = new AgentOptions
            {
                Agent = isAugment ? AgentKind.Augment : pr.GetValue(agent) == "suggester-editor" ? AgentKind.SuggesterEditor : AgentKind.AskMeAnything,
                Modes = isAugment ? [.. pr.GetValue(modes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(AgentNames.ParseMode)] : [],
                Rounds = isAugment ? 1 : pr.GetValue(rounds),
                Solve = !pr.GetValue(noSolve),
                MaxAnswerChars = pr.GetValue(maxAnswer),
                Temperature = pr.GetValue(temperature),
                TopP = pr.GetValue(topP),
                MaxTokens = pr.GetValue(maxTokens),
                Seed = pr.GetValue(seed),
                Concurrency = pr.GetValue(parallel),
                QuestionField = pr.GetValue(questionField)!,
                AnswerField = isAugment ? d.AnswerField : pr.GetValue(answerField)!,
                IdField = pr.GetValue(idField),
                Limit = pr.GetValue(limit),
                BadLines = pr.GetValue(badLines) == "skip" ? BadLinePolicy.Skip : BadLinePolicy.Abort,
            };
            options.Validate();
            if ((pr.GetValue(model) is null) == !remote.Given(pr))
            {
                throw new SiftException("give exactly one of --model (a local model folder) and --endpoint (an OpenAI-compatible server)");
            }
            bool asJson = pr.GetValue(json);
            var summary = WithClientAsync(pr, model, remote, hub, pr.GetValue(threads), asJson, async client =>
            {
                var console = asJson ? null : new ConsoleProgress();
                var s = await AgentRun.RunAsync(pr.GetRequiredValue(input), pr.GetRequiredValue(output), options, client, console, CommandRunner.CtrlC());
                console?.Done();
                return s;
            }).GetAwaiter().GetResult();
            if (asJson)
            {
                CommandRunner.WriteJson(JsonSerializer.SerializeToNode(summary, AgentJson.Default.AgentSummary)!);
                return 0;
            }
            Console.WriteLine($"{summary.Processed:N0} seeds ({summary.AlreadyDone:N0} already done) -> {summary.Written:N0} new problems in {summary.Output}");
            Console.WriteLine("rejected: " + string.Join(", ", summary.Rejected.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key} {kv.Value}").DefaultIfEmpty("none")));
            foreach (string e in summary.RejectionExamples.Take(5))
            {
                Console.WriteLine("  " + e);
            }
            Console.WriteLine($"model {summary.Model}: {summary.Requests:N0} requests, {summary.PromptTokens:N0} prompt + {summary.CompletionTokens:N0} completion tokens; " +
                $"all runs: {summary.TotalWritten:N0} problems; {summary.Seconds}s");
            return 0;
        }));
        return cmd;
    }

    // The chat backend: an endpoint, or the local model served in-process on a loopback port (the same chat path as `sift serve`).
    private static async Task<AgentSummary> WithClientAsync(ParseResult pr, Option<string?> model, RemoteCliOptions remote, HubCliOptions hub, int threads, bool quiet,
        Func<IChatClient, Task<AgentSummary>> run)
    {
        if (remote.Given(pr))
        {
            using var client = new EndpointChatClient(remote.Create(pr), ownsEndpoint: true);
            return await run(client);
        }
        var dir = hub.Model(pr, model, quiet) ?? throw new SiftException("--model: no model folder");
        var lm = LoadedModel.Open(dir.Path, threads);
        await using var server = await SiftServer.StartAsync(lm, new ServeOptions { Port = 0, Log = _ => { } }, ownsModel: true);
        if (server.ChatTemplate is null)
        {
            throw new SiftException($"{dir.Path}: the model has no chat template (tokenizer_config.json chat_template), which the agents' chat requests need");
        }
        using var local = new EndpointChatClient(new RemoteEndpoint(new RemoteOptions
        {
            Endpoint = server.BaseUrl,
            Model = server.ModelName,
            MaxConcurrency = 16,
            MaxRetries = 0,
        }), ownsEndpoint: true);
        return await run(local);
    }
}
