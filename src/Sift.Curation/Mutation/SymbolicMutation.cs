using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Random;
using Sift.Core.Reporting;
using Sift.Curation.Input;
using Sift.Eval.Datasets;
using Sift.Eval.Programs;
using Sift.Sandbox;

namespace Sift.Curation.Mutation;

/// <summary>
/// Alchemy-style symbolic mutation of program-solved problems: the numbers a question shares with its program
/// (<see cref="MutationPlan"/>) get new values (<see cref="NumberDraw"/>) in both, the mutated program is run in the
/// sandbox and its <c>str(solution())</c> is the new answer; mutations that fail or make no sense
/// (<see cref="AnswerCheck"/>) are rejected and counted by reason. Output is JSONL, one accepted problem a line with
/// its provenance, written as each source finishes (in input order). A state file beside it
/// (<c>OUT.state.jsonl</c>, one line per finished source) makes a rerun skip finished sources; a source's attempts
/// depend only on the seed, its id and the attempt number, so a resumed run writes what an uninterrupted one would.
/// Questions are deduplicated against every source question and every question already written.
/// </summary>
internal static class SymbolicMutation
{
    private static readonly JsonSerializerOptions Line = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private sealed record Source(string Id, int Line, string Question, string Code);

    private sealed record Outcome(Source Source, List<MutatedProblem> Accepted, Dictionary<string, int> Rejected, string? Skipped);

    /// <summary>The state file that belongs to <paramref name="output"/>.</summary>
    public static string StatePath(string output) => output + ".state.jsonl";

    /// <summary>Mutates every source problem of <paramref name="input"/> into <paramref name="output"/> (resuming it if it exists).</summary>
    public static async Task<MutationSummary> RunAsync(string input, string output, MutationOptions options, ICodeExecutor executor,
        IProgressReporter? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var report = new ReadReport();
        var sources = Read(input, options, report);
        if (options.Limit is { } limit)
        {
            sources = [.. sources.Take(limit)];
        }
        var dupes = new HashSet<string>(sources.Select(s => Norm(s.Question)), StringComparer.Ordinal);
        string statePath = StatePath(output);
        var finished = Resume(output, statePath, dupes);
        var todo = sources.Where(s => !finished.ContainsKey(s.Id)).ToList();
        if (todo.Select(s => s.Id).Distinct().Count() != todo.Count)
        {
            var dup = todo.GroupBy(s => s.Id).First(g => g.Count() > 1);
            throw new SiftException($"{input}:{dup.Skip(1).First().Line}: id \"{dup.Key}\" already used on line {dup.First().Line}; ids must be unique (--id-field)");
        }
        var sourceQuestions = dupes.ToHashSet(StringComparer.Ordinal);

        // This run's counts.
        var rejected = RejectReason.All.ToDictionary(r => r, _ => 0);
        var skipped = new Dictionary<string, int> { [SkipReason.NoLinkedNumbers] = 0, [SkipReason.SourceFailed] = 0 };
        int accepted = 0, shortSources = 0, committed = 0;

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await using var outStream = new FileStream(output, FileMode.Append, FileAccess.Write, FileShare.Read);
        await using var stateStream = new FileStream(statePath, FileMode.Append, FileAccess.Write, FileShare.Read);
        var pending = new Dictionary<int, Outcome>();
        int next = 0;
        var gate = new object();

        void Commit(Outcome o)
        {
            var written = new List<MutatedProblem>();
            foreach (var m in o.Accepted)
            {
                if (!dupes.Add(Norm(m.Question)))
                {
                    o.Rejected[RejectReason.Duplicate] = o.Rejected.GetValueOrDefault(RejectReason.Duplicate) + 1;
                    continue;
                }
                var kept = m with { Id = $"{o.Source.Id}/m{written.Count}", Provenance = m.Provenance with { Index = written.Count } };
                written.Add(kept);
                WriteLine(outStream, JsonSerializer.Serialize(kept, Line));
            }
            outStream.Flush(flushToDisk: true);
            WriteLine(stateStream, JsonSerializer.Serialize(new SourceOutcome(o.Source.Id, written.Count, o.Rejected.Where(kv => kv.Value > 0).ToDictionary(), o.Skipped), Line));
            stateStream.Flush(flushToDisk: true);
            finished[o.Source.Id] = new SourceOutcome(o.Source.Id, written.Count, o.Rejected, o.Skipped);
            accepted += written.Count;
            foreach (var (k, v) in o.Rejected)
            {
                rejected[k] += v;
            }
            if (o.Skipped is not null)
            {
                skipped[o.Skipped]++;
            }
            else if (written.Count < options.PerItem)
            {
                shortSources++;
            }
            committed++;
            progress?.Report("mutate", committed, todo.Count, $"{accepted:N0} accepted");
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, todo.Count), new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancel },
            async (i, ct) =>
            {
                var outcome = await MutateAsync(todo[i], options, executor, sourceQuestions, ct).ConfigureAwait(false);
                lock (gate)
                {
                    pending[i] = outcome;
                    while (pending.Remove(next, out var ready))
                    {
                        Commit(ready);
                        next++;
                    }
                }
            }).ConfigureAwait(false);

        var totalRejected = RejectReason.All.ToDictionary(r => r, r => finished.Values.Sum(f => f.Rejected.GetValueOrDefault(r)));
        return new MutationSummary(Path.GetFullPath(input), Path.GetFullPath(output), sources.Count, sources.Count - todo.Count, committed, accepted,
            rejected, skipped, shortSources, finished.Values.Sum(f => f.Accepted), totalRejected, report.Skipped, Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    // One source problem: up to Attempts mutations until PerItem are accepted.
    private static async Task<Outcome> MutateAsync(Source s, MutationOptions o, ICodeExecutor executor, HashSet<string> sourceQuestions, CancellationToken ct)
    {
        var rejected = new Dictionary<string, int>();
        var plan = MutationPlan.Build(s.Question, s.Code);
        if (plan.Linked.Count == 0)
        {
            return new Outcome(s, [], rejected, SkipReason.NoLinkedNumbers);
        }
        var original = await HarnessExecution.RunSolutionAsync(executor, s.Code, ct).ConfigureAwait(false);
        if (original.Report != "Done" || AnswerCheck.Number(original.Result) is not { } sourceValue)
        {
            return new Outcome(s, [], rejected, SkipReason.SourceFailed);
        }
        var accepted = new List<MutatedProblem>();
        var tried = new HashSet<string>(StringComparer.Ordinal);
        for (int attempt = 0; attempt < o.Attempts && accepted.Count < o.PerItem; attempt++)
        {
            var change = NumberDraw.Draw(plan.Linked, new Rng(ItemSeeds.Of(o.Seed, s.Id, attempt)));
            var (question, code) = plan.Apply(change);
            string key = Norm(question);
            if (!tried.Add(key) || sourceQuestions.Contains(key))
            {
                Count(rejected, RejectReason.Duplicate);
                continue;
            }
            var run = await HarnessExecution.RunSolutionAsync(executor, code, ct).ConfigureAwait(false);
            if (AnswerCheck.Judge(run, sourceValue) is { } reason)
            {
                Count(rejected, reason);
                continue;
            }
            var changes = plan.Linked.Where(l => change.ContainsKey(l.Value))
                .Select(l => new NumberChange(Plain(l.Value), Plain(change[l.Value]))).ToList();
            accepted.Add(new MutatedProblem($"{s.Id}/m{accepted.Count}", question, code, run.Result,
                new MutationProvenance(s.Id, s.Line, original.Result, accepted.Count, attempt, o.Seed, changes)));
        }
        return new Outcome(s, accepted, rejected, null);
    }

    private static void Count(Dictionary<string, int> d, string key) => d[key] = d.GetValueOrDefault(key) + 1;

    private static string Plain(decimal v) => (v / 1.000000000000000000000000000000000m).ToString(System.Globalization.CultureInfo.InvariantCulture);

    // Questions compare with runs of whitespace collapsed.
    private static string Norm(string question) => string.Join(' ', question.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static void WriteLine(Stream s, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json + "\n");
        s.Write(bytes, 0, bytes.Length);
    }

    // Finished sources from the state file; output lines of unfinished sources (a run killed mid-source) are dropped
    // by rewriting the output; questions already written join the duplicate set.
    private static Dictionary<string, SourceOutcome> Resume(string output, string statePath, HashSet<string> dupes)
    {
        var finished = new Dictionary<string, SourceOutcome>(StringComparer.Ordinal);
        bool hasOutput = File.Exists(output), hasState = File.Exists(statePath);
        if (!hasState)
        {
            if (hasOutput && new FileInfo(output).Length > 0)
            {
                throw new SiftException($"{output} exists but has no {Path.GetFileName(statePath)}: not a mutation run to resume; give another --output or remove it");
            }
            return finished;
        }
        var stateLines = new List<string>();
        foreach (string line in File.ReadLines(statePath))
        {
            try
            {
                if (JsonSerializer.Deserialize<SourceOutcome>(line, Line) is { } o)
                {
                    finished[o.SourceId] = o;
                    stateLines.Add(line);
                }
            }
            catch (JsonException)
            {
                break; // a line cut by a kill: it and anything after it are not trusted
            }
        }
        var kept = new List<string>();
        bool dropped = false;
        if (hasOutput)
        {
            foreach (string line in File.ReadLines(output))
            {
                MutatedProblem? m = null;
                try
                {
                    m = JsonSerializer.Deserialize<MutatedProblem>(line, Line);
                }
                catch (JsonException)
                {
                }
                if (m?.Provenance is null || !finished.ContainsKey(m.Provenance.SourceId))
                {
                    dropped = true;
                    continue;
                }
                kept.Add(line);
                dupes.Add(Norm(m.Question));
            }
        }
        if (dropped)
        {
            AtomicFile.WriteAllText(output, string.Concat(kept.Select(l => l + "\n")));
        }
        AtomicFile.WriteAllText(statePath, string.Concat(stateLines.Select(l => l + "\n")));
        return finished;
    }

    private static List<Source> Read(string input, MutationOptions o, ReadReport report)
    {
        if (!File.Exists(input))
        {
            throw new SiftException($"{input}: file not found");
        }
        var sources = new List<Source>();
        foreach (var line in RawLines.Read(input))
        {
            if (line.IsBlank)
            {
                continue;
            }
            string? why = null;
            Source? s = null;
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
                    string? code = why is null ? JsonItemFields.Field(root, o.ProgramField, ref why) : null;
                    string id = JsonItemFields.Id(root, o.IdField, line.Number, ref why);
                    if (why is null)
                    {
                        s = new Source(id, line.Number, q!, ProgramOf(code!));
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
            report.Items++;
            sources.Add(s);
        }
        if (sources.Count == 0)
        {
            throw new SiftException($"{input}: no problems to mutate");
        }
        return sources;
    }



    /// <summary>The program in a field: the first ```python block when there is one (a PAL completion), else the whole text.</summary>
    internal static string ProgramOf(string text)
    {
        int open = text.IndexOf("```python", StringComparison.Ordinal);
        if (open < 0)
        {
            return text;
        }
        int start = text.IndexOf('\n', open);
        int close = start < 0 ? -1 : text.IndexOf("```", start, StringComparison.Ordinal);
        return start < 0 ? text : close < 0 ? text[(start + 1)..] : text[(start + 1)..close];
    }
}
