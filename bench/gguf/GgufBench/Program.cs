// Decode and prompt-scoring throughput of Sift's engine vs llama.cpp (LLamaSharp) on the same random weights.
// Usage: GgufBench WORKDIR [threads] [hidden] [layers] [vocab]
// Writes a random Llama model folder (byte-level BPE tokenizer, untied head), exports it to f32 and q8_0 GGUF, then
// times one sequence: prefill of 256 tokens, and 64 greedy decode steps, for Sift f32, Sift bf16, llama.cpp f32 and
// llama.cpp q8_0. Prints one JSON line per run.
using System.Diagnostics;
using System.Text.Json.Nodes;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Inference;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.LlamaCpp.Backend;
using Sift.LlamaCpp.Gguf;
using Sift.Text.Bpe;

string work = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "sift-ggufbench");
int threads = args.Length > 1 ? int.Parse(args[1]) : 2;
int hidden = args.Length > 2 ? int.Parse(args[2]) : 768;
int layers = args.Length > 3 ? int.Parse(args[3]) : 12;
int vocab = args.Length > 4 ? int.Parse(args[4]) : 32000;
const int Prompt = 256, Decode = 64;
string dir = Path.Combine(work, "model");
if (!File.Exists(Path.Combine(dir, "config.json")))
{
    Directory.CreateDirectory(dir);
    var tok = BpeTrainer.Train(Enumerable.Range(0, 50).Select(i => $"What is {i} + {2 * i}? The answer is {3 * i}."), 300, ["<|endoftext|>"]);
    tok.SaveDirectory(dir);
    var config = new LlamaConfig
    {
        VocabSize = vocab,
        HiddenSize = hidden,
        IntermediateSize = hidden * 8 / 3 / 32 * 32,
        NumHiddenLayers = layers,
        NumAttentionHeads = hidden / 64,
        NumKeyValueHeads = Math.Max(1, hidden / 64 / 4),
        HeadDim = 64,
        MaxPositionEmbeddings = 2048,
    };
    using var m = new LlamaModel(config);
    m.InitRandom(1, std: 0.02f);
    HfModelFolder.Save(m, dir);
}
foreach (string t in new[] { "f32", "q8_0" })
{
    string path = Path.Combine(work, $"model.{t}.gguf");
    if (!File.Exists(path))
    {
        GgufExporter.Export(dir, path, GgufExporter.ParseType(t));
    }
}
long paramCount = ParameterLayout.For(LlamaConfig.Load(Path.Combine(dir, "config.json"))).TotalLength;
var rng = new Random(5);
int[] prompt = [.. Enumerable.Range(0, Prompt).Select(_ => rng.Next(300))];

void Print(string backend, string weights, double prefillSeconds, double decodeSeconds, long paramsCount) => Console.WriteLine(new JsonObject
{
    ["backend"] = backend,
    ["weights"] = weights,
    ["threads"] = threads,
    ["params"] = paramsCount,
    ["prompt_tokens_per_s"] = Math.Round(Prompt / prefillSeconds, 1),
    ["decode_tokens_per_s"] = Math.Round(Decode / decodeSeconds, 2),
}.ToJsonString());

foreach (var format in new[] { WeightFormat.F32, WeightFormat.BF16 })
{
    using var model = HfModelFolder.Load(dir, format);
    var compute = new Compute(GemmFactory.Create("auto", threads), threads);
    using var session = new InferenceSession(model, 1, Prompt + Decode + 1, compute);
    var logits = new float[model.Config.VocabSize];
    for (int rep = 0; rep < 2; rep++) // first pass warms up the JIT
    {
        session.Reset(0);
        var sw = Stopwatch.StartNew();
        session.Prefill(0, prompt, logits);
        double prefill = sw.Elapsed.TotalSeconds;
        sw.Restart();
        for (int i = 0; i < Decode; i++)
        {
            session.Step([0], [Sampler.ArgMax(logits)], logits);
        }
        if (rep == 1)
        {
            Print("sift", format.Name(), prefill, sw.Elapsed.TotalSeconds, model.Layout.TotalLength);
        }
    }
}
foreach (string t in new[] { "f32", "q8_0" })
{
    using var cpp = LlamaCppModel.Open(Path.Combine(work, $"model.{t}.gguf"), threads, Prompt + Decode + 1);
    var logits = new float[cpp.VocabSize];
    for (int rep = 0; rep < 2; rep++)
    {
        cpp.Reset();
        var sw = Stopwatch.StartNew();
        cpp.Append(prompt, logits);
        double prefill = sw.Elapsed.TotalSeconds;
        sw.Restart();
        for (int i = 0; i < Decode; i++)
        {
            cpp.Append([Sampler.ArgMax(logits)], logits);
        }
        if (rep == 1)
        {
            Print("llamacpp", t, prefill, sw.Elapsed.TotalSeconds, paramCount);
        }
    }
}
