using System.Text.Json.Nodes;
using Sift.Engine.Checkpoint;
using Sift.Engine.Inference;
using Sift.Engine.IO;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;

namespace Sift.Engine.Tests.Golden;

/// <summary>
/// Sift against an independent PyTorch implementation of Hugging Face's LlamaForCausalLM
/// (make_llama_golden.py beside this file): per-token losses, last-position logits and every parameter
/// gradient of the mean loss, for a GQA/untied and a tied model loaded from HF-layout folders.
/// </summary>
public sealed unsafe class TorchGoldenTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "llama_gqa_untied", "openblas" }, { "llama_gqa_untied", "managed" }, { "llama_tied", "auto" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossesLogitsAndGradients_MatchPyTorch(string name, string gemm)
    {
        if (gemm == "openblas" && !OpenBlasGemm.IsAvailable)
        {
            return; // OpenBLAS is not installed here; the managed case still runs.
        }
        string dir = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        var golden = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "golden.json")))!;
        int[] tokens = golden["tokens"]!.AsArray().Select(t => (int)t!).ToArray();
        double[] losses = golden["losses"]!.AsArray().Select(t => (double)t!).ToArray();
        double[] logits = golden["last_logits"]!.AsArray().Select(t => (double)t!).ToArray();
        int n = tokens.Length - 1;

        using var model = HfModelFolder.Load(dir);
        var compute = new Compute(GemmFactory.Create(gemm, 2), 2);
        using var graph = new TrainingGraph(model, 1, n, compute);
        graph.ZeroGrad();
        graph.Forward(tokens.AsSpan(0, n), tokens.AsSpan(1));
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(losses[i] - graph.Losses[i]) < 1e-4, $"loss {i}: torch {losses[i]} sift {graph.Losses[i]}");
        }
        graph.Backward(Enumerable.Repeat(1f / n, n).ToArray());

        using var grads = SafeTensorsFile.Open(Path.Combine(dir, "grads.safetensors"));
        foreach (var t in model.Layout.Tensors)
        {
            float[] expected = grads.ReadAsFloat32(t.Name);
            double scale = expected.Max(v => Math.Abs(v)) + 1e-3;
            for (int i = 0; i < expected.Length; i++)
            {
                float actual = graph.Grads.Ptr[t.Offset + i];
                Assert.True(Math.Abs(expected[i] - actual) <= 1e-4 * scale + 1e-6, $"{t.Name}[{i}]: torch {expected[i]} sift {actual}");
            }
        }

        using var session = new InferenceSession(model, 1, 64, compute);
        var last = new float[model.Config.VocabSize];
        session.Prefill(0, tokens.AsSpan(0, n), last);
        for (int j = 0; j < last.Length; j++)
        {
            Assert.True(Math.Abs(logits[j] - last[j]) < 1e-4 * (1 + Math.Abs(logits[j])), $"logit {j}: torch {logits[j]} sift {last[j]}");
        }
    }
}
