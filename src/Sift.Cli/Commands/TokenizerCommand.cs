using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Data;
using Sift.Text;
using Sift.Text.Bpe;

namespace Sift.Cli.Commands;

/// <summary>`sift tokenizer ...`: train and inspect tokenizers.</summary>
public static class TokenizerCommand
{
    /// <summary>Creates the command group.</summary>
    public static Command Create() => new("tokenizer", "Train and inspect byte-level BPE tokenizers (Hugging Face tokenizer.json).") { Train(), Encode() };

    private static Command Train()
    {
        var input = new Option<string[]>("--input", "-i") { Description = "JSONL or text files or folders (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Folder for tokenizer.json and tokenizer_config.json", Required = true };
        var vocab = new Option<int>("--vocab-size") { Description = "Total ids: special tokens + 256 bytes + merges", DefaultValueFactory = _ => 4096 };
        var field = new Option<string>("--field") { Description = "JSONL field holding the text", DefaultValueFactory = _ => "text" };
        var special = new Option<string[]>("--special") { Description = "Special tokens (ids 0..k-1 in this order); the first is EOS/BOS", DefaultValueFactory = _ => ["<|endoftext|>"] };
        var maxChars = new Option<long>("--max-chars") { Description = "Train on at most this many characters of the corpus", DefaultValueFactory = _ => 200_000_000L };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var cmd = new Command("train", "Train a byte-level BPE tokenizer (GPT-2 pre-tokenisation, deterministic ties).")
        {
            input, output, vocab, field, special, maxChars, json,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            long budget = pr.GetValue(maxChars), used = 0;
            IEnumerable<string> Texts()
            {
                foreach (string t in CorpusText.Read(pr.GetRequiredValue(input), new PackOptions { TextField = pr.GetValue(field)! }))
                {
                    if (used >= budget)
                    {
                        yield break;
                    }
                    used += t.Length;
                    yield return t;
                }
            }
            var sw = System.Diagnostics.Stopwatch.StartNew();
            HfTokenizer tok;
            try
            {
                tok = BpeTrainer.Train(Texts(), pr.GetValue(vocab), pr.GetValue(special) ?? []);
            }
            catch (ArgumentException ex)
            {
                throw new SiftException($"--vocab-size / --special: {ex.Message}");
            }
            string dir = pr.GetRequiredValue(output).FullName;
            Directory.CreateDirectory(dir);
            tok.SaveDirectory(dir);
            if (pr.GetValue(json))
            {
                CommandRunner.WriteJson(new JsonObject { ["output"] = dir, ["vocab_size"] = tok.VocabSize, ["chars"] = used, ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 3), ["fingerprint"] = tok.Fingerprint });
            }
            else
            {
                Console.WriteLine($"trained a {tok.VocabSize}-id tokenizer on {used:N0} characters in {sw.Elapsed.TotalSeconds:0.0}s -> {Path.Combine(dir, "tokenizer.json")}");
            }
            return 0;
        }));
        return cmd;
    }

    private static Command Encode()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "tokenizer.json or a folder holding one", Required = true };
        var text = new Argument<string>("text") { Description = "Text to encode" };
        var cmd = new Command("encode", "Show how a text is tokenised (ids and pieces).") { tokenizer, text };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            string p = pr.GetRequiredValue(tokenizer);
            ITokenizer tok = Directory.Exists(p) ? TokenizerFactory.Load(p) : HfTokenizer.Load(p);
            int[] ids = tok.Encode(pr.GetRequiredValue(text));
            Console.WriteLine(string.Join(' ', ids));
            Console.WriteLine(string.Join(" | ", ids.Select(tok.IdToToken)));
            return 0;
        }));
        return cmd;
    }
}
