using System.Text.Json.Nodes;
using Sift.Engine.Checkpoint;
using Sift.Engine.Inference;
using Sift.Engine.IO;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;

namespace Sift.Engine.Tests.Golden;

/// <summary>
/// Every architecture against an independent PyTorch implementation of its Hugging Face modeling code
/// (make_arch_golden.py beside this file): Llama-3 / linear / dynamic RoPE scaling, Mistral's sliding window
/// shorter than the sequence, Qwen2's biases (tied, and with a window on upper layers), InternLM2's grouped wqkv,
/// and score heads. Checks the training graph's losses or head outputs and every parameter gradient, the
/// inference session's logits, KV-cache decoding where the golden has it, and that saving writes the same
/// tensors back under the same names.
/// </summary>
public sealed unsafe class ArchitectureGoldenTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "llama3_rope", "managed" }, { "llama_linear_headdim", "auto" }, { "llama_dynamic", "managed" },
        { "mistral_window", "managed" }, { "mistral_window", "openblas" }, { "qwen2_tied", "auto" }, { "qwen2_window", "managed" },
        { "internlm2", "managed" }, { "llama_score", "managed" }, { "qwen2_score", "auto" },
    };

    private static string Dir(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", name);

    private static double[] Doubles(JsonNode golden, string key) => golden[key]!.AsArray().Select(t => (double)t!).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputsAndGradients_MatchPyTorch(string name, string gemm)
    {
        if (gemm == "openblas" && !OpenBlasGemm.IsAvailable)
        {
            return; // OpenBLAS is not installed here; the managed cases still run.
        }
        string dir = Dir(name);
        var golden = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "golden.json")))!;
        int[] tokens = golden["tokens"]!.AsArray().Select(t => (int)t!).ToArray();
        using var model = HfModelFolder.Load(dir);
        Assert.Equal((string)golden["architecture"]!, model.Config.Spec.Name);
        var compute = new Compute(GemmFactory.Create(gemm, 2), 2);

        if (model.Config.Spec.Head == ModelHead.Score)
        {
            CheckScoreHead(model, compute, golden, tokens, dir);
        }
        else
        {
            CheckLmHead(model, compute, golden, tokens, dir);
        }
    }

    private static void CheckLmHead(LlamaModel model, Compute compute, JsonNode golden, int[] tokens, string dir)
    {
        double[] losses = Doubles(golden, "losses"), logits = Doubles(golden, "last_logits");
        int n = tokens.Length - 1;
        using var graph = new TrainingGraph(model, 1, n, compute);
        graph.ZeroGrad();
        graph.Forward(tokens.AsSpan(0, n), tokens.AsSpan(1));
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(losses[i] - graph.Losses[i]) < 1e-4, $"loss {i}: torch {losses[i]} sift {graph.Losses[i]}");
        }
        graph.Backward(Enumerable.Repeat(1f / n, n).ToArray());
        CheckGradients(model, graph, dir);

        using var session = new InferenceSession(model, 2, 32, compute, maxRows: 16);
        var last = new float[model.Config.VocabSize];
        session.Prefill(0, tokens.AsSpan(0, n), last);
        AssertClose(logits, last, "prefill logit");

        if (golden["decode_prefix"] is JsonNode prefixNode)
        {
            // One token per step after a prefill, as transformers' generate does (what the dynamic case pins down).
            int prefix = (int)prefixNode;
            var step = new float[model.Config.VocabSize];
            session.Prefill(1, tokens.AsSpan(0, prefix), step);
            for (int t = prefix; t < n; t++)
            {
                session.Step([1], [tokens[t]], step);
            }
            AssertClose(Doubles(golden, "decode_logits"), step, "decode logit");
        }
    }

    private static void CheckScoreHead(LlamaModel model, Compute compute, JsonNode golden, int[] tokens, string dir)
    {
        int labels = model.Config.NumLabels, T = tokens.Length;
        double[] scores = Doubles(golden, "scores"), weights = Doubles(golden, "loss_weights");
        int pooled = (int)golden["pooled_index"]!;
        Assert.Equal(pooled, SequenceScorer.ScoredPosition(tokens, model.Config.PadTokenId));

        using var graph = new TrainingGraph(model, 1, T, compute);
        graph.ZeroGrad();
        graph.ForwardHead(tokens);
        AssertClose(scores, graph.HeadOutputs.ToArray(), "score");
        var dOut = new float[T * labels];
        for (int k = 0; k < labels; k++)
        {
            dOut[pooled * labels + k] = (float)weights[k];
        }
        graph.BackwardHead(dOut);
        CheckGradients(model, graph, dir);

        using var scorer = new SequenceScorer(model, compute, maxLength: 32);
        AssertClose(Doubles(golden, "pooled"), scorer.Score(tokens), "pooled score");
        AssertClose(scores, scorer.PositionScores(tokens), "position score");
    }

    private static void CheckGradients(LlamaModel model, TrainingGraph graph, string dir)
    {
        using var grads = SafeTensorsFile.Open(Path.Combine(dir, "grads.safetensors"));
        Assert.Equal(grads.Tensors.Count, model.Layout.Tensors.Count);
        foreach (var t in model.Layout.Tensors)
        {
            float[] expected = grads.ReadAsFloat32(t.Name);
            double scale = expected.Max(v => Math.Abs(v)) + 1e-3;
            for (int i = 0; i < expected.Length; i++)
            {
                float actual = graph.Grads.Ptr[t.Offset + t.BufferIndex(i)];
                Assert.True(Math.Abs(expected[i] - actual) <= 1e-4 * scale + 1e-6, $"{t.Name}[{i}]: torch {expected[i]} sift {actual}");
            }
        }
    }

    private static void AssertClose(double[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < expected.Length; j++)
        {
            Assert.True(Math.Abs(expected[j] - actual[j]) < 1e-4 * (1 + Math.Abs(expected[j])), $"{what} {j}: torch {expected[j]} sift {actual[j]}");
        }
    }

    [Theory]
    [InlineData("llama3_rope")]
    [InlineData("mistral_window")]
    [InlineData("qwen2_tied")]
    [InlineData("qwen2_window")]
    [InlineData("internlm2")]
    [InlineData("llama_score")]
    [InlineData("qwen2_score")]
    public void Save_WritesTheSameTensorsAndConfigBack(string name)
    {
        string dir = Dir(name);
        using var model = HfModelFolder.Load(dir);
        string outDir = Directory.CreateTempSubdirectory("sift-arch").FullName;
        try
        {
            HfModelFolder.Save(model, outDir);
            using var original = SafeTensorsFile.Open(Path.Combine(dir, "model.safetensors"));
            using var saved = SafeTensorsFile.Open(Path.Combine(outDir, "model.safetensors"));
            Assert.Equal(original.Tensors.Keys.Order(), saved.Tensors.Keys.Order());
            foreach (string tensor in original.Tensors.Keys)
            {
                Assert.Equal(original.Tensors[tensor].Shape, saved.Tensors[tensor].Shape);
                Assert.Equal(original.ReadAsFloat32(tensor), saved.ReadAsFloat32(tensor));
            }
            var reloaded = LlamaConfig.Load(Path.Combine(outDir, "config.json"));
            Assert.Equal(model.Config, reloaded);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }
}
