// N samples of one prompt, two ways: `dotnet run -c Release bench/prefix/prefixbench.cs` (random 512-wide, 8-layer model,
// 256-token prompt, 64 samples of 32 tokens at temperature 1, managed GEMM, 2 threads).
#:project ../../src/Sift.Engine/Sift.Engine.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using Sift.Engine;
using Sift.Engine.Inference;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;

// One Generate call (shared prefill + batched decode) vs one request at a time (fresh generator each).
var cfg = new LlamaConfig { VocabSize = 32000, HiddenSize = 512, IntermediateSize = 1408, NumHiddenLayers = 8, NumAttentionHeads = 8, NumKeyValueHeads = 8, HeadDim = 64, MaxPositionEmbeddings = 1024, TieWordEmbeddings = false };
using var m = new LlamaModel(cfg);
m.InitRandom(1, std: 0.02f);
var compute = new Compute(GemmFactory.Create("managed", 2), 2);
int n = 64, promptLen = 256, newTokens = 32;
var rng = new Random(3);
int[] prompt = Enumerable.Range(0, promptLen).Select(_ => rng.Next(cfg.VocabSize)).ToArray();
var hot = new SamplingOptions { Temperature = 1f };
var reqs = Enumerable.Range(0, n).Select(i => new GenerationRequest(prompt, newTokens, hot, (ulong)i)).ToArray();
for (int rep = 0; rep < 2; rep++)
{
    var sw = Stopwatch.StartNew();
    using (var g = new Generator(m, compute, maxBatch: n)) { g.Generate(reqs); Console.WriteLine($"shared+batched: {n * newTokens / sw.Elapsed.TotalSeconds:F1} generated tok/s ({sw.Elapsed.TotalSeconds:F2} s, prefill tokens {g.PrefillTokens})"); }
    sw.Restart();
    foreach (var r in reqs) { using var g = new Generator(m, compute, maxBatch: 1); g.Generate([r]); }
    Console.WriteLine($"one at a time:  {n * newTokens / sw.Elapsed.TotalSeconds:F1} generated tok/s ({sw.Elapsed.TotalSeconds:F2} s)");
}
