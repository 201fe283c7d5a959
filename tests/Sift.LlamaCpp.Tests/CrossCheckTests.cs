using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.LlamaCpp.Backend;
using Sift.LlamaCpp.Gguf;
using Xunit.Abstractions;

namespace Sift.LlamaCpp.Tests;

/// <summary>
/// llama.cpp as an independent implementation: the same tiny random weights, exported to GGUF, give llama.cpp logits
/// equal to Sift's engine at every position.
/// </summary>
public sealed class CrossCheckTests(ITestOutputHelper output)
{
    private static readonly int[] Tokens = [1, 17, 40, 3, 99, 250, 7, 7, 12, 64, 200, 5, 33, 180, 2, 90, 41, 260, 8, 150];

    public static TheoryData<string> Cases => ["llama", "llama-sentencepiece", "llama3-rope", "llama-linear-rope", "mistral", "qwen2", "qwen2-tied", "internlm2"];

    private static LlamaConfig Build(string name, string dir) => name switch
    {
        "llama" => TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM),
        "llama-sentencepiece" => TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM, sentencePiece: true),
        "llama3-rope" => TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM,
            rope: new RopeScaling(RopeScalingType.Llama3, 8f, 1f, 4f, 64)),
        "llama-linear-rope" => TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM, rope: new RopeScaling(RopeScalingType.Linear, 2f)),
        "mistral" => TinyCheckpoints.Write(dir, ModelArchitecture.MistralForCausalLM),
        "qwen2" => TinyCheckpoints.Write(dir, ModelArchitecture.Qwen2ForCausalLM),
        "qwen2-tied" => TinyCheckpoints.Write(dir, ModelArchitecture.Qwen2ForCausalLM, tied: true),
        "internlm2" => TinyCheckpoints.Write(dir, ModelArchitecture.InternLM2ForCausalLM, rope: new RopeScaling(RopeScalingType.Linear, 2f)),
        _ => throw new ArgumentException(name),
    };

    private static float[] SiftLogits(string dir, int[] tokens)
    {
        using var model = HfModelFolder.Load(dir);
        using var graph = new TrainingGraph(model, 1, tokens.Length, Compute.Reference, forwardOnly: true);
        graph.ForwardHead(tokens, forBackward: false);
        return graph.HeadOutputs.ToArray();
    }

    private static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(float.IsFinite(a[i]) && float.IsFinite(b[i]), $"non-finite logit at {i}: {a[i]} vs {b[i]}");
            max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        }
        return max;
    }

    private static bool Skip(out string reason)
    {
        reason = LlamaCppModel.NativeUnavailableReason() ?? "";
        return reason.Length > 0;
    }

    /// <summary>f32 GGUF: llama.cpp's logits equal Sift's within 1e-3 at every position.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void F32Export_LlamaCppLogits_MatchSift(string name)
    {
        if (Skip(out string why))
        {
            output.WriteLine($"SKIPPED: {why}");
            return;
        }
        string dir = TinyCheckpoints.TempDir(name);
        try
        {
            var config = Build(name, dir);
            string gguf = Path.Combine(dir, "model.gguf");
            GgufExporter.Export(dir, gguf, GgmlType.F32);
            float[] expected = SiftLogits(dir, Tokens);
            using var cpp = LlamaCppModel.Open(gguf, threads: 2, contextSize: 64);
            Assert.Equal(config.VocabSize, cpp.VocabSize);
            float[] actual = cpp.Logits(Tokens);
            float diff = MaxAbsDiff(expected, actual);
            float scale = expected.Max(MathF.Abs);
            output.WriteLine($"{name}: max |Δlogit| = {diff:E2} (largest |logit| {scale:F2})");
            Assert.True(diff <= 1e-3f, $"{name}: llama.cpp logits differ from Sift's by {diff}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
