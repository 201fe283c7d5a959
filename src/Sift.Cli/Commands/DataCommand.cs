using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Text;

namespace Sift.Cli.Commands;

/// <summary>`sift data ...`: corpus preparation.</summary>
public static class DataCommand
{
    /// <summary>Creates the command group.</summary>
    public static Command Create() => new("data", "Prepare training data: pack text into token shards, generate the built-in corpus, or export windows and reference losses for PyTorch.") { Pack(), DataSynthCommand.Create(), DataExportCommand.Create() };

    private static Command Pack()
    {
        var input = new Option<string[]>("--input", "-i") { Description = "JSONL, Parquet or text files or folders (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Dataset folder to create", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "tokenizer.json, or a folder holding one", Required = true };
        var field = new Option<string>("--field") { Description = "JSONL field or Parquet column holding the text", DefaultValueFactory = _ => "text" };
        var format = new Option<string>("--format") { Description = "auto (by extension: .jsonl/.ndjson, .parquet, else text), jsonl, parquet or text", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "jsonl", "parquet", "text");
        var split = new Option<string>("--text-split") { Description = "For text input: one document per blank-line block, or per file", DefaultValueFactory = _ => "blank-line" };
        split.AcceptOnlyFromAmong("blank-line", "file");
        var maxShard = new Option<long>("--max-shard-tokens") { Description = "Tokens per shard file", DefaultValueFactory = _ => 64L << 20 };
        var threads = new Option<int>("--threads") { Description = "Tokenizer threads (output is identical for any count)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing dataset folder" };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var cmd = new Command("pack", "Tokenise JSONL, Parquet or text into uint16/uint32 token shards with an index (EOS between documents, checksums).")
        {
            input, output, tokenizer, field, format, split, maxShard, threads, overwrite, json,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            string tokPath = pr.GetRequiredValue(tokenizer);
            ITokenizer tok = Directory.Exists(tokPath) ? TokenizerFactory.Load(tokPath) : HfTokenizer.Load(tokPath);
            var options = new PackOptions
            {
                TextField = pr.GetValue(field)!,
                Format = pr.GetValue(format) switch { "jsonl" => InputFormat.Jsonl, "text" => InputFormat.Text, "parquet" => InputFormat.Parquet, _ => InputFormat.Auto },
                TextSplit = pr.GetValue(split) == "file" ? TextSplit.WholeFile : TextSplit.BlankLine,
                MaxShardTokens = pr.GetValue(maxShard),
                Threads = Math.Max(1, pr.GetValue(threads)),
                Overwrite = pr.GetValue(overwrite),
            };
            var progress = pr.GetValue(json) ? (IProgressReporter)NullProgress.Instance : new ConsoleProgress();
            string outDir = pr.GetRequiredValue(output).FullName;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var index = new ShardPacker(tok, options).Pack(pr.GetRequiredValue(input), outDir,
                p => progress.Report("pack", p.BytesRead, Math.Max(1, p.BytesTotal), $"{p.Documents:N0} docs {p.Tokens:N0} tokens"));
            progress.Done();
            CopyTokenizer(tokPath, outDir);
            if (pr.GetValue(json))
            {
                CommandRunner.WriteJson(new JsonObject
                {
                    ["output"] = outDir,
                    ["documents"] = index.DocumentCount,
                    ["tokens"] = index.TotalTokens,
                    ["shards"] = index.Shards.Count,
                    ["dtype"] = index.Dtype,
                    ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 3),
                });
            }
            else
            {
                Console.WriteLine($"packed {index.DocumentCount:N0} documents, {index.TotalTokens:N0} tokens into {index.Shards.Count} shard(s) ({index.Dtype}) at {outDir}");
            }
            return 0;
        }));
        return cmd;
    }

    // The dataset keeps a copy of its tokenizer so training and generation find it without extra flags.
    private static void CopyTokenizer(string tokPath, string outDir)
    {
        string dir = Directory.Exists(tokPath) ? tokPath : Path.GetDirectoryName(Path.GetFullPath(tokPath))!;
        foreach (string f in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            string src = Directory.Exists(tokPath) || f != "tokenizer.json" ? Path.Combine(dir, f) : tokPath;
            if (File.Exists(src))
            {
                File.Copy(src, Path.Combine(outDir, f), overwrite: true);
            }
        }
        if (!File.Exists(Path.Combine(outDir, "tokenizer.json")))
        {
            throw new SiftException($"{tokPath}: tokenizer.json could not be copied into the dataset");
        }
    }
}
