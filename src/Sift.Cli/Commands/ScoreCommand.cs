using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Inference;
using Sift.Pipelines.Selective;

namespace Sift.Cli.Commands;

/// <summary>`sift score`: per-token losses of a model over JSONL, or over a whole packed corpus (reference scoring).</summary>
public static class ScoreCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model folder (tokenizer.json optional for token-id input) or Hub id org/name[@revision]; or use --endpoint" };
        var hub = new HubCliOptions();
        var remote = new RemoteCliOptions();
        var input = new Option<FileInfo?>("--input", "-i") { Description = "JSONL with {\"text\": ...} or {\"tokens\": [...]} per line, or Parquet with a text or tokens column" };
        var data = new Option<DirectoryInfo?>("--data") { Description = "A packed dataset (from `sift data pack`): score every token for selective training" };
        var output = new Option<string>("--output", "-o") { Description = "JSONL output (with --input) or a scores folder (with --data)", Required = true };
        var seqLen = new Option<int>("--seq-len") { Description = "With --data: window length; must equal the student's train.seq_len", DefaultValueFactory = _ => 256 };
        var part = new Option<string>("--part") { Description = "With --data: score part i of n (e.g. 2/8) so several processes or machines share the corpus", DefaultValueFactory = _ => "1/1" };
        var dtype = new Option<string?>("--dtype") { Description = "With --data: stored precision (default float16; float32 with --per-document)" };
        dtype.AcceptOnlyFromAmong("float16", "float32");
        var batch = new Option<int?>("--batch") { Description = "With --data: windows per forward pass (local, default 8) or per progress record (--endpoint, default 4 × --concurrency)" };
        var perDocument = new Option<bool>("--per-document")
        {
            Description = "With --data: score each document alone from position 0 (the reference log-probs of an example dataset, for " +
                "train.objective dpo|ipo|kto); --seq-len is then the longest document. Stored as float32 unless --dtype is given",
        };
        var noBos = new Option<bool>("--no-bos") { Description = "With --input: do not prepend the BOS token to text" };
        var threads = new Option<int>("--threads") { Description = "Compute threads", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var weights = WeightsOption.Create();
        var backend = BackendOption.Create();
        var cmd = new Command("score", """
            Score tokens with a model: losses[i] = -log p(tokens[i+1] | tokens[..i]).
              --input IN.jsonl --output OUT.jsonl   lines keep their fields and gain "tokens" and "losses"
              --data DIR --output SCORES            every token of a packed corpus, in the training windows,
                                                    resumable and splittable with --part i/n (reference
                                                    scoring for `train.objective: slm`)
              --data EXAMPLES --per-document        every document of an example dataset scored alone: the
                                                    stored reference log-probs of `train.objective: dpo|ipo|kto`
            With --data and --endpoint URL the reference model is an OpenAI-compatible server (vLLM, sift serve):
            each window is sent as token ids with echo, max_tokens 0 and logprobs 0, and the returned prompt
            logprobs are the losses. The server must serve the reference model with the dataset's tokenizer and a
            context of at least --seq-len + 1; a fleet scores a corpus with one --part per server.
            """)
        {
            model, input, data, output, seqLen, part, dtype, batch, perDocument, noBos, threads, json, weights, backend,
        };
        remote.AddTo(cmd);
        hub.AddTo(cmd);
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var inFile = pr.GetValue(input);
            var dataDir = pr.GetValue(data);
            if ((inFile is null) == (dataDir is null))
            {
                throw new SiftException("give exactly one of --input (JSONL) and --data (a packed dataset)");
            }
            bool asJson = pr.GetValue(json);
            IProgressReporter progress = asJson ? NullProgress.Instance : new ConsoleProgress();
            string? gguf = BackendOption.GgufPath(pr, backend, model);
            var modelOpt = gguf is null ? hub.Model(pr, model, quiet: asJson) : null;
            if (gguf is null && (modelOpt is null) == !remote.Given(pr))
            {
                throw new SiftException("give exactly one of --model (a local model folder, or a GGUF file with --backend llamacpp) and --endpoint (an OpenAI-compatible server)");
            }
            string outPath = Path.GetFullPath(pr.GetRequiredValue(output));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (i, n) = ParsePart(pr.GetValue(part)!);
            var cancel = CommandRunner.CtrlC();
            int ScoreJsonl(IDecoderModel m)
            {
                var scorer = new JsonlScorer(m, progress) { AddBos = !pr.GetValue(noBos) };
                var (lines, tokens) = ParquetInput.AsJsonl(inFile!.FullName, outPath, ["text", "tokens"], jsonl => scorer.Run(jsonl, outPath, cancel));
                Report(asJson, new JsonObject { ["lines"] = lines, ["tokens_scored"] = tokens, ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 3), ["output"] = outPath },
                    $"scored {lines} lines, {tokens:N0} tokens in {sw.Elapsed.TotalSeconds:0.0}s -> {outPath}");
                return 0;
            }
            if (gguf is not null)
            {
                using var cpp = Sift.LlamaCpp.Backend.LlamaCppModel.Open(gguf, pr.GetValue(threads));
                if (inFile is not null)
                {
                    return ScoreJsonl(cpp);
                }
                using var windows = new DecoderWindowScorer(cpp);
                var cr = new CorpusScorer(windows, progress).Run(dataDir!.FullName, outPath,
                    new CorpusScoreOptions(pr.GetValue(seqLen), windows.PreferredBatch, DType(pr.GetValue(dtype), pr.GetValue(perDocument)), i, n, pr.GetValue(perDocument)), cancel);
                ReportCorpus(asJson, cr, outPath, i, n, null);
                return 0;
            }
            if (modelOpt is null)
            {
                if (inFile is not null)
                {
                    throw new SiftException("--endpoint works with --data (corpus scoring); for --input JSONL use a local --model");
                }
                using var endpoint = remote.Create(pr);
                using var scorer = RemoteWindowScorer.ConnectAsync(endpoint, pr.GetValue(batch) ?? 4 * pr.GetValue(remote.Concurrency)).GetAwaiter().GetResult();
                var rr = new CorpusScorer(scorer, progress).Run(dataDir!.FullName, outPath,
                    new CorpusScoreOptions(pr.GetValue(seqLen), scorer.PreferredBatch, DType(pr.GetValue(dtype), pr.GetValue(perDocument)), i, n, pr.GetValue(perDocument)), cancel);
                ReportCorpus(asJson, rr, outPath, i, n, endpoint.Retries);
                return 0;
            }
            string modelDir = modelOpt.Path;
            using var lm = LoadedModel.Open(modelDir, pr.GetValue(threads), weights: WeightsOption.Get(pr, weights));
            if (inFile is not null)
            {
                return ScoreJsonl(lm);
            }
            var opts = new CorpusScoreOptions(pr.GetValue(seqLen), pr.GetValue(batch) ?? 8, DType(pr.GetValue(dtype), pr.GetValue(perDocument)), i, n, pr.GetValue(perDocument));
            var r = new CorpusScorer(lm.Model, lm.Compute, modelDir, progress).Run(dataDir!.FullName, outPath, opts, cancel);
            ReportCorpus(asJson, r, outPath, i, n, null);
            return 0;
        }));
        return cmd;
    }

    // Sequence log-probs sum hundreds of per-token values, so per-document scores default to float32.
    private static string DType(string? given, bool perDocument) => given ?? (perDocument ? "float32" : "float16");

    private static void ReportCorpus(bool asJson, CorpusScoreResult r, string outPath, int i, int n, long? retries)
    {
        var summary = new JsonObject
        {
            ["output"] = outPath,
            ["tokens_scored"] = r.TokensScored,
            ["seconds"] = Math.Round(r.Seconds, 3),
            ["tokens_per_s"] = Math.Round(r.TokensScored / Math.Max(1e-9, r.Seconds), 1),
            ["complete"] = r.Complete,
            ["part"] = $"{i + 1}/{n}",
        };
        if (retries is long rt)
        {
            summary["retries"] = rt;
        }
        Report(asJson, summary, $"part {i + 1}/{n}: scored {r.TokensScored:N0} tokens in {r.Seconds:0.0}s ({r.TokensScored / Math.Max(1e-9, r.Seconds):N0} tok/s); " +
            (r.Complete ? $"scores complete in {outPath}" : "waiting for the other parts"));
    }

    private static void Report(bool asJson, JsonObject summary, string line)
    {
        if (asJson)
        {
            CommandRunner.WriteJson(summary);
        }
        else
        {
            Console.WriteLine(line);
        }
    }

    /// <summary>Parses "i/n" (1-based) into a 0-based part and a count.</summary>
    internal static (int Part, int Parts) ParsePart(string s)
    {
        var bits = s.Split('/');
        if (bits.Length == 2 && int.TryParse(bits[0], out int i) && int.TryParse(bits[1], out int n) && n >= 1 && i >= 1 && i <= n)
        {
            return (i - 1, n);
        }
        throw new SiftException($"--part '{s}': expected i/n with 1 ≤ i ≤ n, e.g. 3/8");
    }
}
