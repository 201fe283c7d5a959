using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Data.Examples;
using Sift.Inference.Chat;
using Sift.Rewards.Scoring;
using Sift.Rewards.Training;
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
        var format = new Option<string>("--format")
        {
            Description = "auto (by extension: .jsonl/.ndjson, .parquet, else text), jsonl, parquet or text; or an example format for fine-tuning: " +
                "sft (prompt/completion or messages), pairs (prompt/chosen/rejected), kto (prompt/completion/label); " +
                "or a reward-model format: prm (`sift rm label` records), orm (question/completion/correct)",
            DefaultValueFactory = _ => "auto",
        };
        format.AcceptOnlyFromAmong("auto", "jsonl", "parquet", "text", "sft", "pairs", "kto", "prm", "orm");
        var maxLength = new Option<int>("--max-length") { Description = "Example formats: most tokens per sequence (prompt + completion), as TRL's max_length", DefaultValueFactory = _ => 1024 };
        var truncation = new Option<string>("--truncation") { Description = "Example formats: keep_start (cut the end, TRL's default) or keep_end (cut the start of the prompt)", DefaultValueFactory = _ => "keep_start" };
        truncation.AcceptOnlyFromAmong("keep_start", "keep_end");
        var rmFormat = new Option<string?>("--rm-format") { Description = "prm/orm: the scorer format whose prompts are packed (as `sift rm score --format`): prm math-shepherd (default) | rlhflow-prm | tagged; orm rlhflow-orm (default) | tagged" };
        var stepTag = new Option<string?>("--step-tag") { Description = "--rm-format tagged: the string that ends each step" };
        var positive = new Option<string?>("--positive") { Description = "--rm-format tagged: the positive label (one token; default \"+\")" };
        var negative = new Option<string?>("--negative") { Description = "--rm-format tagged: the negative label (one token; default \"-\")" };
        var chatTemplate = new Option<FileInfo?>("--chat-template") { Description = "rlhflow formats: a Jinja chat template file instead of tokenizer_config.json's" };
        var noBos = new Option<bool>("--no-bos") { Description = "Example formats: no BOS before plain-text prompts (default: BOS when the tokenizer adds one)" };
        var split = new Option<string>("--text-split") { Description = "For text input: one document per blank-line block, or per file", DefaultValueFactory = _ => "blank-line" };
        split.AcceptOnlyFromAmong("blank-line", "file");
        var maxShard = new Option<long>("--max-shard-tokens") { Description = "Tokens per shard file", DefaultValueFactory = _ => 64L << 20 };
        var threads = new Option<int>("--threads") { Description = "Tokenizer threads (output is identical for any count)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing dataset folder" };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var cmd = new Command("pack", """
            Tokenise JSONL, Parquet or text into uint16/uint32 token shards with an index (EOS between documents, checksums).
            With --format sft|pairs|kto, JSONL examples become an example dataset for `train.objective: sft|dpo|ipo|kto`:
            one document per sequence, a per-token loss mask (prompt tokens are not trained), the example records and
            examples.json. Fields are TRL's: prompt/completion or messages; prompt/chosen/rejected; prompt/completion/label
            (strings, or lists of {role, content} messages rendered with the tokenizer's chat template, else ChatML).
            With --format prm|orm, reward-model training data for `train.objective: prm|orm`: each line becomes the prompt
            `sift rm score --format F` builds for it (same tokens, BOS as the tokenizer's), with the label token (+ or -)
            as the target at exactly the positions the scorer reads and no other target. prm reads `sift rm label`
            records (Math-Shepherd "input"/"label" or RLHFlow "conversations"; either layout for any --rm-format);
            orm reads "question", "completion" and "correct" (or "label", or a `sift eval` sample's strict verdict).
            """)
        {
            input, output, tokenizer, field, format, split, maxShard, threads, overwrite, json, maxLength, truncation, noBos,
            rmFormat, stepTag, positive, negative, chatTemplate,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            string tokPath = pr.GetRequiredValue(tokenizer);
            ITokenizer tok = Directory.Exists(tokPath) ? TokenizerFactory.Load(tokPath) : HfTokenizer.Load(tokPath);
            if (pr.GetValue(format) is "prm" or "orm")
            {
                var kind = ExampleKinds.Parse(pr.GetValue(format)!, "--format");
                var fmt = RmFormats.Parse(pr.GetValue(rmFormat) ?? (kind == ExampleKind.Prm ? "math-shepherd" : "rlhflow-orm"));
                var rm = new RmPackOptions(kind, fmt, pr.GetValue(stepTag), pr.GetValue(positive), pr.GetValue(negative),
                    pr.GetValue(chatTemplate) is { } ct ? File.ReadAllText(ct.FullName) : null);
                var encoder = new RmExampleEncoder(rm, tok, pr.GetValue(noBos) ? null : tok.BosId);
                return PackExamples(tok, tokPath, kind, pr.GetValue(maxLength), Truncation.KeepStart, null,
                    pr.GetRequiredValue(input), pr.GetRequiredValue(output).FullName, pr.GetValue(maxShard), Math.Max(1, pr.GetValue(threads)), pr.GetValue(overwrite), pr.GetValue(json), encoder);
            }
            if ((pr.GetValue(rmFormat) ?? pr.GetValue(stepTag) ?? pr.GetValue(positive) ?? pr.GetValue(negative)) is not null)
            {
                throw new SiftException("--rm-format, --step-tag, --positive and --negative go with --format prm or orm");
            }
            if (pr.GetValue(format) is "sft" or "pairs" or "kto")
            {
                return PackExamples(tok, tokPath, ExampleKinds.Parse(pr.GetValue(format)!, "--format"), pr.GetValue(maxLength),
                    pr.GetValue(truncation) == "keep_end" ? Truncation.KeepEnd : Truncation.KeepStart, pr.GetValue(noBos) ? false : null,
                    pr.GetRequiredValue(input), pr.GetRequiredValue(output).FullName, pr.GetValue(maxShard), Math.Max(1, pr.GetValue(threads)), pr.GetValue(overwrite), pr.GetValue(json));
            }
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

    private static int PackExamples(ITokenizer tok, string tokPath, ExampleKind kind, int maxLength, Truncation truncation, bool? bos,
        string[] inputs, string outDir, long maxShard, int threads, bool overwrite, bool json, RmExampleEncoder? labelled = null)
    {
        var progress = json ? (IProgressReporter)NullProgress.Instance : new ConsoleProgress();
        var options = new ExamplePackOptions
        {
            Kind = kind,
            MaxLength = maxLength,
            Truncation = truncation,
            AddBos = bos,
            Chat = labelled is null ? new ChatPromptEncoder(ChatPrompt.For(tok, tok.BosId, _ => { })) : null,
            Labelled = labelled,
            MaxShardTokens = maxShard,
            Threads = threads,
            Overwrite = overwrite,
        };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var m = new ExamplePacker(tok, options).Pack(inputs, outDir,
            p => progress.Report("pack", p.BytesRead, Math.Max(1, p.BytesTotal), $"{p.Examples:N0} examples {p.Tokens:N0} tokens"), CommandRunner.CtrlC());
        progress.Done();
        CopyTokenizer(tokPath, outDir);
        if (json)
        {
            CommandRunner.WriteJson(new JsonObject
            {
                ["output"] = outDir,
                ["kind"] = m.Kind,
                ["examples"] = m.Examples,
                ["documents"] = m.Documents,
                ["dropped_examples"] = m.DroppedExamples,
                ["truncated_documents"] = m.TruncatedDocuments,
                ["longest_document"] = m.LongestDocument,
                ["prompt_tokens"] = m.PromptTokens,
                ["completion_targets"] = m.CompletionTargets,
                ["rm_format"] = m.RmFormat,
                ["label_ids"] = m.LabelIds is { } ids ? new JsonArray(ids.Select(i => (JsonNode)i).ToArray()) : null,
                ["positive_labels"] = labelled is null ? null : m.PositiveLabels,
                ["negative_labels"] = labelled is null ? null : m.NegativeLabels,
                ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 3),
            });
        }
        else
        {
            string labels = kind == ExampleKind.Kto ? $" ({m.Desirable:N0} desirable, {m.Undesirable:N0} undesirable)"
                : labelled is not null ? $" ({m.RmFormat} prompts; {m.PositiveLabels:N0} positive, {m.NegativeLabels:N0} negative labels, ids {m.LabelIds![0]}/{m.LabelIds[1]})" : "";
            Console.WriteLine($"packed {m.Examples:N0} {m.Kind} examples{labels} into {m.Documents:N0} documents at {outDir}; " +
                $"{m.CompletionTargets:N0} completion targets, {m.PromptTokens:N0} prompt tokens, longest {m.LongestDocument} tokens; " +
                $"{m.TruncatedDocuments:N0} truncated, {m.DroppedExamples:N0} dropped (no completion token within --max-length {maxLength})");
        }
        return 0;
    }

    /// <summary>The server's chat template renderer as the packer's <see cref="IChatEncoder"/>.</summary>
    private sealed class ChatPromptEncoder(ChatPrompt prompt) : IChatEncoder
    {
        public int[] Encode(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt) =>
            prompt.Encode(messages.Select(m => new ChatMessageIn(m.Role, m.Content)).ToList(), addGenerationPrompt, continueFinal: false);
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
