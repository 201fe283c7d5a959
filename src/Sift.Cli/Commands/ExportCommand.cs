using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.LlamaCpp.Gguf;

namespace Sift.Cli.Commands;

/// <summary>`sift export gguf`: a model folder as a GGUF file for llama.cpp.</summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model folder (config.json + safetensors + tokenizer.json) or Hub id org/name[@revision]", Required = true };
        var hub = new HubCliOptions();
        var output = new Option<string>("--output", "-o") { Description = "GGUF file to write (atomically)", Required = true };
        var type = new Option<string>("--type") { Description = "Matrix encoding: f32, f16 or q8_0 (norms and biases stay f32)", DefaultValueFactory = _ => "f16" };
        type.AcceptOnlyFromAmong("f32", "f16", "q8_0");
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var gguf = new Command("gguf", """
            Write a GGUF v3 file that llama.cpp (and `--backend llamacpp`) loads: Llama (incl. Llama-3.1 rope scaling),
            Mistral, Qwen2 and InternLM2 causal LMs, with the tokenizer (byte-level BPE as "gpt2", SentencePiece-style
            BPE as "llama") and llama.cpp's tensor names and q/k row order.
              sift export gguf -m runs/first/model -o model.q8_0.gguf --type q8_0
            """)
        {
            model, output, type, json,
        };
        hub.AddTo(gguf);
        gguf.SetAction(pr => CommandRunner.Run(() =>
        {
            bool asJson = pr.GetValue(json);
            var dir = hub.Model(pr, model, quiet: asJson) ?? throw new SiftException("give --model");
            IProgressReporter progress = asJson ? NullProgress.Instance : new ConsoleProgress();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var r = GgufExporter.Export(dir.Path, Path.GetFullPath(pr.GetRequiredValue(output)), GgufExporter.ParseType(pr.GetValue(type)!),
                new Progress<double>(f => progress.Report("write", (long)(f * 1000), 1000, "")));
            progress.Done();
            foreach (string w in r.Warnings)
            {
                Console.Error.WriteLine($"warning: {w}");
            }
            if (asJson)
            {
                Console.WriteLine(new JsonObject
                {
                    ["output"] = r.Path,
                    ["architecture"] = r.Architecture,
                    ["type"] = pr.GetValue(type),
                    ["tensors"] = r.Tensors,
                    ["bytes"] = r.Bytes,
                    ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 3),
                    ["warnings"] = new JsonArray([.. r.Warnings.Select(x => (JsonNode)x)]),
                }.ToJsonString());
            }
            else
            {
                Console.Error.WriteLine($"wrote {r.Path}: {r.Architecture}, {r.Tensors} tensors, {r.Bytes / 1048576.0:0.0} MiB in {sw.Elapsed.TotalSeconds:0.0}s");
            }
            return 0;
        }));
        return new Command("export", "Export a model to other formats (gguf for llama.cpp)") { gguf };
    }
}
