using System.Diagnostics;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Eval.Datasets;
using Sift.Eval.Reporting;

namespace Sift.Rewards.Labels;

/// <summary>Settings of one <c>sift rm label</c> run.</summary>
/// <param name="Format">The record layout written.</param>
/// <param name="GoldField">The samples-line field with the gold answer.</param>
/// <param name="Separator">Splits a completion into steps (null: the tag when present, else blank lines).</param>
/// <param name="Batch">Solutions whose completions go to the completer together.</param>
/// <param name="BadLines">Abort on a line that cannot be labelled, or write it with <c>rm_error</c> and go on.</param>
/// <param name="Settings">What a resume must match (completer, K, sampling, grading, format).</param>
internal sealed record McLabelRunOptions(LabelFormat Format, string GoldField, string? Separator, int Batch, BadLinePolicy BadLines, IReadOnlyDictionary<string, string?> Settings);

/// <summary>What a run did.</summary>
/// <param name="Lines">Lines in the output now.</param>
/// <param name="Labelled">Solutions labelled by this invocation.</param>
/// <param name="Resumed">Lines that were already in the output.</param>
/// <param name="Skipped">Lines written with rm_error by this invocation.</param>
/// <param name="Steps">Steps labelled by this invocation.</param>
/// <param name="PositiveSteps">Of them, hard label +.</param>
/// <param name="Completions">Completions drawn by this invocation.</param>
/// <param name="Seconds">Wall time.</param>
internal sealed record McLabelSummary(long Lines, long Labelled, long Resumed, long Skipped, long Steps, long PositiveSteps, long Completions, double Seconds);

/// <summary>
/// <c>sift rm label</c> over a JSONL file: one output record per input line, in input order, flushed per batch. Every
/// line is checked before any completion is drawn; a rerun continues after the last complete line and refuses other
/// settings or a changed input (its SHA-256 is recorded).
/// </summary>
internal sealed class McLabelRun(McStepLabeler labeler, McLabelRunOptions options, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Labels <paramref name="input"/> into <paramref name="output"/>.</summary>
    public McLabelSummary Run(string input, string output, Action<string>? warn = null, CancellationToken cancel = default)
    {
        if (!File.Exists(input))
        {
            throw new SiftException($"{input}: input file not found");
        }
        var clock = Stopwatch.StartNew();
        var lines = new List<(int Line, LabelProblem? Problem, string? Error)>();
        int n = 0;
        foreach (string text in File.ReadLines(input))
        {
            n++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            var (p, e) = LabelInput.Parse(n, text, options.GoldField, options.Separator);
            string? error = e is null ? null : $"{input}:{n}: {e}";
            if (error is not null && options.BadLines == BadLinePolicy.Abort)
            {
                throw new SiftException(error);
            }
            lines.Add((n, p, error));
        }
        var settings = new Dictionary<string, string?>(options.Settings) { ["input_sha256"] = Hashing.Sha256File(input) };
        using var outFile = ResumableJsonl.Open(output, warn);
        RunSettingsFile.CheckOrWrite(output, settings, resuming: outFile.Existing.Count > 0);
        if (outFile.Existing.Count > lines.Count)
        {
            throw new SiftException($"{output} has {outFile.Existing.Count} lines but {input} has {lines.Count}: it was written from another input");
        }
        int resumed = outFile.Existing.Count;
        long labelled = 0, skipped = 0, steps = 0, positive = 0, completions = 0;
        if (resumed > 0)
        {
            _progress.Line($"resuming: {resumed} of {lines.Count} lines already labelled in {output}");
        }
        for (int start = resumed; start < lines.Count; start += options.Batch)
        {
            cancel.ThrowIfCancellationRequested();
            var batch = lines.Skip(start).Take(options.Batch).ToList();
            var good = batch.Where(b => b.Problem is not null).Select(b => b.Problem!).ToList();
            var labels = labeler.LabelAsync(good, cancel).GetAwaiter().GetResult();
            int g = 0;
            for (int k = 0; k < batch.Count; k++)
            {
                var b = batch[k];
                if (b.Problem is null)
                {
                    outFile.Put(start + k, new JsonObject { ["input_line"] = b.Line, ["rm_error"] = b.Error }.ToJsonString(EvalJson.Line));
                    skipped++;
                    continue;
                }
                var l = labels[g++];
                outFile.Put(start + k, LabelRecord.Write(options.Format, b.Problem, l));
                labelled++;
                steps += l.Hard.Length;
                positive += l.Hard.Count(h => h);
                completions += l.Completions.Sum();
            }
            _progress.Report("rm label", start + batch.Count, lines.Count, $"{completions / Math.Max(1e-9, clock.Elapsed.TotalSeconds):N1} completions/s");
        }
        _progress.Done();
        return new McLabelSummary(outFile.Written, labelled, resumed, skipped, steps, positive, completions, clock.Elapsed.TotalSeconds);
    }
}
