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
    public static Command Create() => new("tokenizer", "Train and inspect byte-level BPE tokenizers (Hugging Face tokenizer.json).") { Train(), Encode(), Decode() };

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
        var text = new Argument<string?>("text") { Description = "Text to encode (or --input)", Arity = ArgumentArity.ZeroOrOne };
        var input = new Option<string?>("--input", "-i") { Description = "JSONL with {\"text\": ...} per line" };
        var output = new Option<string?>("--output", "-o") { Description = "JSONL out: each line gains \"ids\"" };
        var special = new Option<bool>("--add-special-tokens") { Description = "Add BOS/EOS where the tokenizer's post-processor adds them (default: none)" };
        var cmd = new Command("encode", """
            Show how a text is tokenised (ids and pieces), or encode a JSONL file:
              sift tokenizer encode --tokenizer T "some text"
              sift tokenizer encode --tokenizer T --input IN.jsonl --output OUT.jsonl   lines {"text"} gain "ids"
            """) { tokenizer, text, input, output, special };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var tok = Load(pr.GetRequiredValue(tokenizer));
            if (Batch(pr, input, output, pr.GetValue(text) is not null, "text") is var (inPath, outPath))
            {
                return Report(TokenizerBatch.Encode(tok, inPath, outPath, pr.GetValue(special), Console.Error.WriteLine), outPath, "encoded");
            }
            string t = pr.GetValue(text) ?? throw new SiftException("give a text to encode, or --input IN.jsonl --output OUT.jsonl");
            var ids = new List<int>();
            if (pr.GetValue(special) && tok.AddsBos && tok.BosId is int bos)
            {
                ids.Add(bos);
            }
            tok.EncodeTo(t, ids);
            if (pr.GetValue(special) && tok.AddsEos && tok.EosId is int eos)
            {
                ids.Add(eos);
            }
            Console.WriteLine(string.Join(' ', ids));
            Console.WriteLine(string.Join(" | ", ids.Select(tok.IdToToken)));
            return 0;
        }));
        return cmd;
    }

    private static Command Decode()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "tokenizer.json or a folder holding one", Required = true };
        var ids = new Argument<int[]>("ids") { Description = "Token ids to decode (or --input)", Arity = ArgumentArity.ZeroOrMore };
        var input = new Option<string?>("--input", "-i") { Description = "JSONL with {\"ids\": [...]} per line" };
        var output = new Option<string?>("--output", "-o") { Description = "JSONL out: each line gains \"text\"" };
        var cmd = new Command("decode", """
            Decode token ids as the Hugging Face decoder does (special tokens kept), or a JSONL file:
              sift tokenizer decode --tokenizer T 791 2694 315
              sift tokenizer decode --tokenizer T --input IN.jsonl --output OUT.jsonl   lines {"ids"} gain "text"
            """) { tokenizer, ids, input, output };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var tok = Load(pr.GetRequiredValue(tokenizer));
            int[] given = pr.GetValue(ids) ?? [];
            if (Batch(pr, input, output, given.Length > 0, "ids") is var (inPath, outPath))
            {
                return Report(TokenizerBatch.Decode(tok, inPath, outPath, Console.Error.WriteLine), outPath, "decoded");
            }
            if (given.Length == 0)
            {
                throw new SiftException("give token ids to decode, or --input IN.jsonl --output OUT.jsonl");
            }
            foreach (int id in given)
            {
                if ((uint)id >= (uint)tok.VocabSize)
                {
                    throw new SiftException($"token id {id} is outside the vocabulary (0..{tok.VocabSize - 1})");
                }
            }
            Console.WriteLine(tok.Decode(given));
            return 0;
        }));
        return cmd;
    }

    private static HfTokenizer Load(string p) => Directory.Exists(p) ? TokenizerFactory.Load(p) : HfTokenizer.Load(p);

    // --input and --output go together, and not with an inline argument.
    private static (string In, string Out)? Batch(ParseResult pr, Option<string?> input, Option<string?> output, bool inline, string field)
    {
        string? i = pr.GetValue(input), o = pr.GetValue(output);
        if (i is null && o is null)
        {
            return null;
        }
        if (i is null || o is null)
        {
            throw new SiftException($"give both --input (JSONL with \"{field}\") and --output");
        }
        if (inline)
        {
            throw new SiftException("give --input/--output or an inline argument, not both");
        }
        return (i, o);
    }

    private static int Report(TokenizerBatchResult r, string output, string verb)
    {
        Console.Error.WriteLine($"{verb} {r.Lines - r.Bad:N0} line(s) -> {output}{(r.Bad > 0 ? $"; {r.Bad:N0} bad line(s) reported above (written as {{\"line\", \"error\"}})" : "")}");
        return r.Bad > 0 ? CommandRunner.UserError : 0;
    }
}
