using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Curation.Input;
using Sift.Eval.Datasets;

namespace Sift.Curation.Agents;

/// <summary>
/// Runs an agent over every seed problem of a JSONL file through any <see cref="IChatClient"/> and writes the new
/// problems as JSONL, each with its provenance, seed by seed in input order. A state file beside the output
/// (<c>OUT.state.jsonl</c>, one line per finished seed) makes a rerun skip finished seeds; lines of a seed that was
/// cut by a kill are dropped, so a resumed run never writes an item twice. New questions are deduplicated (case and
/// whitespace folded) against every seed question and every question already written.
/// </summary>
internal static class AgentRun
{
    private static readonly AgentJson Json = new(new JsonSerializerOptions(AgentJson.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>The state file that belongs to <paramref name="output"/>.</summary>
    public static string StatePath(string output) => output + ".state.jsonl";

    /// <summary>Questions compare with case folded and runs of whitespace collapsed.</summary>
    internal static string Norm(string question) => string.Join(' ', question.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public static async Task<AgentSummary> RunAsync(string input, string output, AgentOptions options, IChatClient client,
        IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var report = new ReadReport();
        var seeds = Read(input, options, report);
        if (options.Limit is { } limit)
        {
            seeds = [.. seeds.Take(limit)];
        }
        string model = client.GetService<ChatClientMetadata>()?.DefaultModelId ?? "unknown";
        var dupes = new HashSet<string>(seeds.Select(s => Norm(s.Question)), StringComparer.Ordinal);
        string statePath = StatePath(output);
        var finished = Resume(output, statePath, dupes);
        var todo = seeds.Where(s => !finished.ContainsKey(s.Id)).ToList();

        var rejected = AgentReject.All.ToDictionary(r => r, _ => 0);
        var examples = new List<string>();
        int written = 0, committed = 0;
        var call = new AgentCall(client, options, model);
        var workers = new AgentWorkers(call, options);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await using var outStream = new FileStream(output, FileMode.Append, FileAccess.Write, FileShare.Read);
        await using var stateStream = new FileStream(statePath, FileMode.Append, FileAccess.Write, FileShare.Read);
        var pending = new Dictionary<int, SeedWork>();
        int next = 0;
        var gate = new object();
        string agent = AgentNames.Of(options.Agent);

        void Commit(SeedWork w)
        {
            int kept = 0;
            foreach (var item in w.Items)
            {
                if (!dupes.Add(Norm(item.Question)))
                {
                    w.Reject(AgentReject.Duplicate, item.Provenance.Mode ?? item.Provenance.Agent, "the question was already seen");
                    continue;
                }
                var line = item with { Id = $"{w.Seed.Id}/{agent}/{kept}", Provenance = item.Provenance with { Index = kept } };
                WriteLine(outStream, JsonSerializer.Serialize(line, Json.AgentItem));
                kept++;
            }
            outStream.Flush(flushToDisk: true);
            var outcome = new AgentSeedOutcome(w.Seed.Id, kept, w.Rejected);
            WriteLine(stateStream, JsonSerializer.Serialize(outcome, Json.AgentSeedOutcome));
            stateStream.Flush(flushToDisk: true);
            finished[w.Seed.Id] = outcome;
            written += kept;
            foreach (var (k, v) in w.Rejected)
            {
                rejected[k] = rejected.GetValueOrDefault(k) + v;
            }
            foreach (string e in w.Examples.Where(_ => examples.Count < 20))
            {
                examples.Add(e);
            }
            committed++;
            progress?.Report(agent, committed, todo.Count, $"{written:N0} problems");
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, todo.Count), new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancel },
            async (i, ct) =>
            {
                var w = new SeedWork(todo[i]);
                await workers.RunAsync(w, ct).ConfigureAwait(false);
                lock (gate)
                {
                    pending[i] = w;
                    while (pending.Remove(next, out var ready))
                    {
                        Commit(ready);
                        next++;
                    }
                }
            }).ConfigureAwait(false);

        return new AgentSummary(Path.GetFullPath(input), Path.GetFullPath(output), agent, model, seeds.Count, seeds.Count - todo.Count, committed, written,
            rejected, examples, finished.Values.Sum(f => f.Written), call.Requests, call.PromptTokens, call.CompletionTokens, report.Skipped,
            Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    private static void WriteLine(Stream s, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json + "\n");
        s.Write(bytes, 0, bytes.Length);
    }

    // Finished seeds from the state file (a line cut by a kill ends it); output lines of unfinished seeds are dropped
    // by rewriting the output atomically; questions already written join the duplicate set.
    private static Dictionary<string, AgentSeedOutcome> Resume(string output, string statePath, HashSet<string> dupes)
    {
        var finished = new Dictionary<string, AgentSeedOutcome>(StringComparer.Ordinal);
        bool hasOutput = File.Exists(output), hasState = File.Exists(statePath);
        if (!hasState)
        {
            if (hasOutput && new FileInfo(output).Length > 0)
            {
                throw new SiftException($"{output} exists but has no {Path.GetFileName(statePath)}: not an agent run to resume; give another --output or remove it");
            }
            return finished;
        }
        var stateLines = new List<string>();
        foreach (string line in File.ReadLines(statePath))
        {
            try
            {
                if (JsonSerializer.Deserialize(line, Json.AgentSeedOutcome) is { SeedId: not null } o)
                {
                    finished[o.SeedId] = o;
                    stateLines.Add(line);
                    continue;
                }
            }
            catch (JsonException)
            {
            }
            break;
        }
        var kept = new List<string>();
        bool dropped = false;
        if (hasOutput)
        {
            foreach (string line in File.ReadLines(output))
            {
                AgentItem? item = null;
                try
                {
                    item = JsonSerializer.Deserialize(line, Json.AgentItem);
                }
                catch (JsonException)
                {
                }
                if (item?.Provenance?.SeedId is not { } id || !finished.ContainsKey(id))
                {
                    dropped = true;
                    continue;
                }
                kept.Add(line);
                dupes.Add(Norm(item.Question));
            }
        }
        if (dropped)
        {
            AtomicFile.WriteAllText(output, string.Concat(kept.Select(l => l + "\n")));
        }
        AtomicFile.WriteAllText(statePath, string.Concat(stateLines.Select(l => l + "\n")));
        return finished;
    }

    private static List<SeedProblem> Read(string input, AgentOptions o, ReadReport report)
    {
        if (!File.Exists(input))
        {
            throw new SiftException($"{input}: file not found");
        }
        bool needAnswer = o.Agent == AgentKind.AskMeAnything;
        var seeds = new List<SeedProblem>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in RawLines.Read(input))
        {
            if (line.IsBlank)
            {
                continue;
            }
            string? why = null;
            SeedProblem? s = null;
            try
            {
                using var doc = JsonDocument.Parse(line.Content);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    why = "expected a JSON object";
                }
                else
                {
                    string? q = JsonItemFields.Field(root, o.QuestionField, ref why);
                    string? a = needAnswer ? JsonItemFields.Field(root, o.AnswerField, ref why) : null;
                    string id = JsonItemFields.Id(root, o.IdField, line.Number, ref why);
                    if (why is null && q!.Trim().Length == 0)
                    {
                        why = $"field \"{o.QuestionField}\" is empty";
                    }
                    if (why is null)
                    {
                        s = new SeedProblem(id, line.Number, q!, a);
                    }
                }
            }
            catch (JsonException ex)
            {
                why = "invalid JSON: " + ex.Message;
            }
            if (s is null)
            {
                string message = $"{input}:{line.Number}: {why}";
                if (o.BadLines == BadLinePolicy.Abort)
                {
                    throw new SiftException(message + " (use --bad-lines skip to skip such lines)");
                }
                report.Skip(line.Number, message);
                continue;
            }
            if (!ids.TryAdd(s.Id, s.Line))
            {
                throw new SiftException($"{input}:{s.Line}: id \"{s.Id}\" already used on line {ids[s.Id]}; ids must be unique (--id-field)");
            }
            report.Items++;
            seeds.Add(s);
        }
        if (seeds.Count == 0)
        {
            throw new SiftException($"{input}: no seed problems");
        }
        return seeds;
    }


}
