using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Core.Text;
using Sift.Curation.Decontamination;
using Sift.Curation.Input;
using Sift.Eval.Datasets;

namespace Sift.Cli.Commands;

/// <summary>`sift decontaminate`: find training items that nearly repeat benchmark items (Orca-Math's check), report and remove them.</summary>
public static class DecontaminateCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var d = new DecontaminationOptions();
        var train = new Option<string?>("--train", "-i") { Description = "Training file: JSONL (text from --field) or plain text (one item per line, or per blank-line block)" };
        var field = new Option<string>("--field") { Description = "JSONL field(s) whose text is checked, comma-separated (e.g. question,answer; joined with a newline)", DefaultValueFactory = _ => "text" };
        var format = new Option<string>("--format") { Description = "auto (by extension), jsonl or text", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "jsonl", "text");
        var split = new Option<string>("--text-split") { Description = "Plain text items: one per line, or one per blank-line block", DefaultValueFactory = _ => "line" };
        split.AcceptOnlyFromAmong("line", "blank-line");
        var benchmarks = new Option<string?>("--benchmarks", "-d") { Description = $"Benchmarks to check, comma-separated, or all (default: all, unless --test is given): {string.Join(", ", DatasetRegistry.All.Select(x => x.Name))}" };
        var data = new Option<string?>("--data") { Description = "A benchmark file, or a folder in the harness layout (default: the shared data folder, as sift eval)" };
        var test = new Option<string[]>("--test") { Description = "Other test files to check (JSONL or text; repeatable)", AllowMultipleArgumentsPerToken = true };
        var testField = new Option<string>("--test-field") { Description = "JSONL field(s) of --test files", DefaultValueFactory = _ => "question" };
        var output = new Option<string?>("--out", "-o") { Description = "Report folder (report.json, report.md)" };
        var clean = new Option<string?>("--clean-output") { Description = "Write the training file without the flagged items here (the original is never modified)" };
        var topK = new Option<int>("--top-k") { Description = "Nearest training items (TF-IDF cosine) examined per benchmark item", DefaultValueFactory = _ => d.TopK };
        var threshold = new Option<double>("--threshold") { Description = "Flag a pair when its unigram Jaccard is above this (Orca-Math: 0.5)", DefaultValueFactory = _ => d.UnigramThreshold };
        var ngram = new Option<int>("--ngram") { Description = "n of the n-gram Jaccard reported for each pair", DefaultValueFactory = _ => d.NgramN };
        var ngramThreshold = new Option<double?>("--ngram-threshold") { Description = "Also flag a pair when its n-gram Jaccard is above this (default: report only)" };
        var sameNumbers = new Option<bool>("--same-numbers") { Description = "Flag only pairs where the training item holds every number of the benchmark item (same problem, not a sibling with other numbers)" };
        var singlePass = new Option<bool>("--single-pass") { Description = "One search only (Orca-Math's check); by default flagged items are removed and the benchmark items that had one among their nearest search again until nothing more is flagged" };
        var threads = new Option<int>("--threads") { Description = "Search threads", DefaultValueFactory = _ => d.Threads };
        var badLines = new Option<string>("--bad-lines") { Description = "Malformed lines: abort (default) or skip (each reported with file:line, counted, and left out of the clean copy)", DefaultValueFactory = _ => "abort" };
        badLines.AcceptOnlyFromAmong("abort", "skip");
        var bench = new Option<bool>("--bench") { Description = "Benchmark: generate synthetic training items (--bench-items) with planted near-duplicates and check them against the benchmarks" };
        var benchItems = new Option<string>("--bench-items") { Description = "Training items the bench generates (k/M suffixes allowed)", DefaultValueFactory = _ => "200k" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the bench's training items", DefaultValueFactory = _ => 1UL };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var cmd = new Command("decontaminate", """
            Find training items that nearly repeat benchmark items, as Orca-Math's contamination check: normalise (lower
            case, strip punctuation, drop English stop words), take each benchmark item's 10 nearest training items by
            TF-IDF cosine, flag pairs whose unigram Jaccard is above 0.5. Reports report.json and report.md; --clean-output
            writes the training file without the flagged items.
              sift decontaminate --train orca.jsonl --field question --out decon/          # against all 11 benchmarks
              sift decontaminate --train synth/clean/train.jsonl --test synth/eval.jsonl --out decon/ --clean-output clean.jsonl
              sift decontaminate --bench                                                    # 200k synthetic items, timed
            """)
        {
            train, field, format, split, benchmarks, data, test, testField, output, clean, topK, threshold, ngram, ngramThreshold,
            sameNumbers, singlePass, threads, badLines, bench, benchItems, seed, json,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var policy = pr.GetValue(badLines) == "skip" ? BadLinePolicy.Skip : BadLinePolicy.Abort;
            var options = new DecontaminationOptions
            {
                TopK = pr.GetValue(topK),
                UnigramThreshold = pr.GetValue(threshold),
                NgramN = pr.GetValue(ngram),
                NgramThreshold = pr.GetValue(ngramThreshold),
                RequireSameNumbers = pr.GetValue(sameNumbers),
                UntilClean = !pr.GetValue(singlePass),
                Threads = pr.GetValue(threads),
                BadLines = policy,
            };
            options.Validate();
            bool asJson = pr.GetValue(json);
            var console = asJson ? null : new ConsoleProgress();
            var tests = pr.GetValue(test) ?? [];
            string? names = pr.GetValue(benchmarks);
            var inputs = names is null && tests.Length > 0 ? [] : BenchmarkInputs.FromRegistry(
                names is null || names.Trim() == "all" ? null : names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                pr.GetValue(data), policy);
            foreach (string t in tests)
            {
                inputs.Add(BenchmarkInputs.FromFile(new TextSource { Path = t, Fields = Fields(pr.GetValue(testField)!) }, null, policy));
            }
            foreach (var missing in inputs.Where(b => b.Missing is not null))
            {
                Console.Error.WriteLine($"warning: {missing.Name} not checked: {missing.Missing}");
            }
            var cancel = CommandRunner.CtrlC();
            if (pr.GetValue(bench))
            {
                string folder = pr.GetValue(output) ?? Directory.CreateTempSubdirectory("sift-decontaminate-bench").FullName;
                int n = (int)Math.Min(int.MaxValue, Count.Parse(pr.GetValue(benchItems)!, "--bench-items"));
                var b = DecontaminationBench.Run(inputs, folder, n, Math.Min(100, n), pr.GetValue(seed), options, console, cancel);
                console?.Done();
                var (benchJson, benchMd) = ReportWriter.Write(b.Run.Report, folder);
                return Finish(b.Run.Report, asJson, benchJson, benchMd, null, new JsonObject
                {
                    ["training_file"] = b.TrainingFile,
                    ["generate_seconds"] = b.GenerateSeconds,
                    ["planted"] = b.Planted,
                    ["planted_found"] = b.PlantedFound,
                    ["threads"] = options.Threads,
                    ["processors"] = Environment.ProcessorCount,
                    ["load_average"] = LoadAverage(),
                });
            }
            string trainPath = pr.GetValue(train) ?? throw new SiftException("give --train FILE (or --bench)");
            string outDir = pr.GetValue(output) ?? throw new SiftException("give --out DIR for the report");
            var source = new TextSource
            {
                Path = trainPath,
                Format = pr.GetValue(format) switch { "jsonl" => TextFormat.Jsonl, "text" => TextFormat.Text, _ => TextFormat.Auto },
                Fields = Fields(pr.GetValue(field)!),
                Split = pr.GetValue(split) == "blank-line" ? TextSplit.BlankLine : TextSplit.Line,
            };
            var run = Decontaminator.Run(source, inputs, options, console, cancel);
            console?.Done();
            string? cleanPath = pr.GetValue(clean);
            if (cleanPath is not null)
            {
                CleanCopy.Write(run, cleanPath);
            }
            var (jsonPath, mdPath) = ReportWriter.Write(run.Report, outDir, cleanPath is null ? null : Path.GetFullPath(cleanPath));
            return Finish(run.Report, asJson, jsonPath, mdPath, cleanPath is null ? null : Path.GetFullPath(cleanPath), null);
        }));
        return cmd;
    }

    private static int Finish(DecontaminationReport r, bool asJson, string jsonPath, string mdPath, string? cleanPath, JsonObject? bench)
    {
        if (asJson)
        {
            var summary = new JsonObject
            {
                ["report_json"] = jsonPath,
                ["report_md"] = mdPath,
                ["clean_output"] = cleanPath,
                ["training_items"] = r.Training.Items,
                ["flagged_pairs"] = r.Flagged.Count,
                ["flagged_training_items"] = r.FlaggedTrainingItems,
                ["passes"] = r.Passes,
                ["converged"] = r.Converged,
                ["benchmarks"] = new JsonArray([.. r.Benchmarks.Select(b => (JsonNode)new JsonObject
                {
                    ["name"] = b.Name,
                    ["status"] = b.Status,
                    ["reason"] = b.Reason,
                    ["items"] = b.Items,
                    ["flagged_items"] = b.FlaggedItems,
                    ["flagged_pairs"] = b.FlaggedPairs,
                })]),
                ["seconds"] = ReportWriter.ToJson(r)["timings"]!.DeepClone(),
            };
            if (bench is not null)
            {
                summary["bench"] = bench;
            }
            CommandRunner.WriteJson(summary);
            return 0;
        }
        foreach (var b in r.Benchmarks)
        {
            Console.WriteLine(b.Status == "missing"
                ? $"{b.Name,-10} missing ({b.Reason})"
                : $"{b.Name,-10} {b.Items,6:N0} items  {b.FlaggedItems,5:N0} flagged  (max unigram Jaccard {b.MaxUnigramJaccard.ToString("0.000", CultureInfo.InvariantCulture)})");
        }
        Console.WriteLine($"{r.Flagged.Count:N0} flagged pairs, {r.FlaggedTrainingItems:N0} training items of {r.Training.Items:N0}" + (cleanPath is null ? "" : $" left out of {cleanPath}") +
            $" ({r.Passes} pass{(r.Passes == 1 ? "" : "es")}{(r.Converged ? "" : ", stopped at the limit")})");
        if (bench is not null)
        {
            Console.WriteLine($"bench: {bench["planted_found"]} of {bench["planted"]} planted near-duplicates found; generated in {bench["generate_seconds"]}s");
        }
        Console.WriteLine($"seconds: read {r.Timings.Read}, index {r.Timings.Index}, search {r.Timings.Search}, total {r.Timings.Total}");
        Console.WriteLine($"report: {jsonPath}, {mdPath}");
        return 0;
    }

    private static string[] Fields(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
