using System.Diagnostics;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Eval.Datasets;
using Sift.Eval.Reporting;

namespace Sift.Rewards.Scoring;

/// <summary>Settings of one <c>sift rm score</c> run.</summary>
/// <param name="Aggregate">How step scores become the solution's score.</param>
/// <param name="Batch">Solutions built and sent together (the endpoint keeps them in flight at once).</param>
/// <param name="BadLines">Abort on a line that cannot be scored, or write it with <c>rm_error</c> and go on.</param>
/// <param name="Settings">What a resume must match (format, model, aggregation, split, tag, labels).</param>
internal sealed record RmScoreOptions(StepAggregate Aggregate, int Batch, BadLinePolicy BadLines, IReadOnlyDictionary<string, string?> Settings);

/// <summary>What a run did.</summary>
/// <param name="Lines">Lines in the output now.</param>
/// <param name="Scored">Lines scored by this invocation.</param>
/// <param name="Resumed">Lines that were already in the output.</param>
/// <param name="Skipped">Lines written with rm_error (bad input, with --bad-lines skip) by this invocation.</param>
/// <param name="Steps">Steps scored by this invocation.</param>
/// <param name="MissingSteps">Steps left unscored (label outside a server's top-k, or past the context).</param>
/// <param name="Tokens">Prompt tokens run by this invocation.</param>
/// <param name="Seconds">Wall time of this invocation.</param>
internal sealed record RmScoreSummary(long Lines, long Scored, long Resumed, long Skipped, long Steps, long MissingSteps, long Tokens, double Seconds);

/// <summary>
/// `sift rm score` over a JSONL file: each line gains <c>step_scores</c> and <c>score</c> (and, when a step could not
/// be scored, <c>step_missing</c> and <c>missing_steps</c>), keeping its other fields, so a samples.jsonl stays one
/// that <c>sift eval --completions</c> reads (its rm@k uses <c>score</c>). Lines are written in input order and
/// flushed as they finish; rerunning continues after the last complete line (a line cut by a kill is dropped), checks
/// that the lines already written belong to the same input, and refuses other settings.
/// </summary>
internal sealed class RmScoreRun(IRmPromptBuilder builder, IStepScorer scorer, LabelTokens labels, RmScoreOptions options, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Scores <paramref name="input"/> into <paramref name="output"/>.</summary>
    public RmScoreSummary Run(string input, string output, Action<string>? warn = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        // Pass 1: every line is checked (and its prompt built) before any compute is spent.
        long total = 0;
        foreach (var line in RmInputLine.ReadAll(input))
        {
            total++;
            if (TryBuild(input, line).Error is { } err && options.BadLines == BadLinePolicy.Abort)
            {
                throw new SiftException(err);
            }
        }
        using var outFile = ResumableJsonl.Open(output, warn);
        RunSettingsFile.CheckOrWrite(output, options.Settings, resuming: outFile.Existing.Count > 0);
        if (outFile.Existing.Count > total)
        {
            throw new SiftException($"{output} has {outFile.Existing.Count} lines but {input} has {total}: it was written from another input");
        }
        long resumed = outFile.Existing.Count, scored = 0, skipped = 0, steps = 0, missing = 0, tokens = 0;
        if (resumed > 0)
        {
            _progress.Line($"resuming: {resumed} of {total} lines already scored in {output}");
        }
        var batch = new List<(long Index, RmInputLine Line, RmPrompt? Prompt, int Steps, string? Error)>(options.Batch);
        void Flush()
        {
            var prompts = batch.Where(b => b.Prompt is not null).ToList();
            scorer.ScoreAsync(prompts.Select(b => b.Prompt!).ToList(), labels, (i, readout) =>
            {
                var b = prompts[i];
                var result = StepScoring.Combine(readout, b.Steps, options.Aggregate);
                outFile.Put(b.Index, Scored(b.Line.Json!, result));
                Interlocked.Add(ref steps, b.Steps);
                Interlocked.Add(ref missing, result.MissingSteps);
                Interlocked.Add(ref tokens, b.Prompt!.Tokens.Length);
                long done = Interlocked.Increment(ref scored);
                lock (_progress)
                {
                    _progress.Report("rm score", resumed + done + skipped, total, $"{Interlocked.Read(ref tokens) / Math.Max(1e-9, clock.Elapsed.TotalSeconds):N0} tok/s");
                }
            }, cancel).GetAwaiter().GetResult();
            foreach (var b in batch.Where(b => b.Prompt is null))
            {
                outFile.Put(b.Index, Failed(b.Line, b.Error!));
                skipped++;
            }
            batch.Clear();
        }
        long index = 0;
        foreach (var line in RmInputLine.ReadAll(input))
        {
            if (index < resumed)
            {
                CheckSame(output, index, outFile.Existing[(int)index], line);
                index++;
                continue;
            }
            cancel.ThrowIfCancellationRequested();
            var (prompt, error) = TryBuild(input, line);
            var fitted = prompt is null ? null : StepScoring.Fit(prompt, scorer.MaxTokens);
            batch.Add((index++, line, fitted, prompt?.Rows.Length ?? 0, error));
            if (batch.Count >= options.Batch)
            {
                Flush();
            }
        }
        if (batch.Count > 0)
        {
            Flush();
        }
        _progress.Done();
        return new RmScoreSummary(outFile.Written, scored, resumed, skipped, steps, missing, tokens, clock.Elapsed.TotalSeconds);
    }

    // The line's prompt, or "file:line: why" it cannot be scored.
    private (RmPrompt? Prompt, string? Error) TryBuild(string file, RmInputLine line)
    {
        if (line.Error is { } e)
        {
            return (null, $"{file}:{line.Line}: {e}");
        }
        try
        {
            return (builder.Build(line.Question, line.Completion), null);
        }
        catch (RmInputException ex)
        {
            return (null, $"{file}:{line.Line}: field \"{ex.Field}\": {ex.Message}");
        }
    }

    private static string Scored(JsonObject o, StepResult r)
    {
        var copy = (JsonObject)o.DeepClone();
        copy.Remove("rm_error");
        copy["step_scores"] = new JsonArray(r.Steps.Select(s => s is double d ? (JsonNode)d : null).ToArray());
        copy["score"] = r.Score;
        if (r.MissingSteps > 0)
        {
            copy["step_missing"] = new JsonArray(r.Missing.Select(m => m is null ? null : (JsonNode)m).ToArray());
            copy["missing_steps"] = r.MissingSteps;
        }
        else
        {
            copy.Remove("step_missing");
            copy.Remove("missing_steps");
        }
        return copy.ToJsonString(EvalJson.Line);
    }

    private static string Failed(RmInputLine line, string error)
    {
        var copy = line.Json is { } o ? (JsonObject)o.DeepClone() : new JsonObject { ["input_line"] = line.Line };
        copy["step_scores"] = new JsonArray();
        copy["score"] = null;
        copy["rm_error"] = error;
        return copy.ToJsonString(EvalJson.Line);
    }

    // A line already written must be the one this input line produced.
    private static void CheckSame(string output, long index, string written, RmInputLine line)
    {
        var w = RmInputLine.Parse((int)index + 1, written);
        bool comparable = line.Error is null && w.Error is null;
        if (comparable && (w.Question != line.Question || w.Completion != line.Completion))
        {
            throw new SiftException($"{output}:{index + 1}: its question/completion differ from input line {line.Line}: the output was written from another input; use another --output");
        }
    }
}
