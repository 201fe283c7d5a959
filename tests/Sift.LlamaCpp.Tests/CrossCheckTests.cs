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

    private static LlamaConfig Build(string name, string dir, float std = 0.3f) => name switch
    {
        "llama" => TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM, std: std),
        "llama-sentencepiece" => TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM, sentencePiece: true),
        "llama3-rope" => TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM,
            rope: new RopeScaling(RopeScalingType.Llama3, 8f, 1f, 4f, 64)),
        "llama-linear-rope" => TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM, rope: new RopeScaling(RopeScalingType.Linear, 2f)),
        "mistral" => TinyCheckpoints.Write(dir, ModelArchitecture.MistralForCausalLM),
        "qwen2" => TinyCheckpoints.Write(dir, ModelArchitecture.Qwen2ForCausalLM, std: std),
        "qwen2-tied" => TinyCheckpoints.Write(dir, ModelArchitecture.Qwen2ForCausalLM, tied: true),
        "internlm2" => TinyCheckpoints.Write(dir, ModelArchitecture.InternLM2ForCausalLM, rope: new RopeScaling(RopeScalingType.Linear, 2f), std: std),
        _ => throw new ArgumentException(name),
    };

    private static float[] SiftLogits(string dir, int[] tokens, GgmlType rounding = GgmlType.F32)
    {
        using var model = HfModelFolder.Load(dir);
        if (rounding != GgmlType.F32)
        {
            RoundMatrices(model, rounding);
        }
        using var graph = new TrainingGraph(model, 1, tokens.Length, Compute.Reference, forwardOnly: true);
        graph.ForwardHead(tokens, forBackward: false);
        return graph.HeadOutputs.ToArray();
    }

    // Rounds every matrix row through the GGUF encoding, as the export does (vectors stay f32 there too).
    private static void RoundMatrices(LlamaModel model, GgmlType type)
    {
        var w = model.Weights.AsSpan();
        foreach (var t in model.Layout.Tensors.Where(t => t.Kind is ParamKind.Linear or ParamKind.Embedding))
        {
            int cols = (int)t.RowLength;
            var bytes = new byte[GgufFormat.RowBytes(type, cols)];
            for (long r = 0; r < t.Length / cols; r++)
            {
                var row = w.Slice((int)(t.Offset + r * cols), cols);
                GgmlQuant.EncodeRow(type, row, bytes);
                GgmlQuant.DecodeRow(type, bytes, row);
            }
        }
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

    /// <summary>
    /// f16 and q8_0 exports (weights of std 0.1, logits up to ~3) against Sift run on the same rounded weights: what
    /// remains is llama.cpp rounding the activations it multiplies with (to f16 for f16 weights, to q8_0 blocks for
    /// q8_0 weights). Measured: f16 ≈ 1.5e-3, q8_0 ≈ 4.5e-2; bounds 5e-3 and 0.1.
    /// </summary>
    [Theory]
    [InlineData("llama", "f16", 5e-3f)]
    [InlineData("qwen2", "f16", 5e-3f)]
    [InlineData("internlm2", "f16", 5e-3f)]
    [InlineData("llama", "q8_0", 0.1f)]
    [InlineData("qwen2", "q8_0", 0.1f)]
    [InlineData("internlm2", "q8_0", 0.1f)]
    public void QuantizedExport_LlamaCppLogits_Close(string name, string type, float tolerance)
    {
        if (Skip(out string why))
        {
            output.WriteLine($"SKIPPED: {why}");
            return;
        }
        string dir = TinyCheckpoints.TempDir(name);
        try
        {
            Build(name, dir, std: 0.1f);
            string gguf = Path.Combine(dir, "model.gguf");
            GgufExporter.Export(dir, gguf, GgufExporter.ParseType(type));
            var ggml = GgufExporter.ParseType(type);
            float[] expected = SiftLogits(dir, Tokens, ggml);
            using var cpp = LlamaCppModel.Open(gguf, threads: 2, contextSize: 64);
            float[] actual = cpp.Logits(Tokens);
            float diff = MaxAbsDiff(expected, actual);
            output.WriteLine($"{name} {type}: max |Δlogit| = {diff:E2} vs Sift on the rounded weights, {MaxAbsDiff(SiftLogits(dir, Tokens), actual):E2} vs Sift on the f32 weights");
            output.WriteLine($"largest |logit| {expected.Max(MathF.Abs):F3}");
            Assert.True(diff <= tolerance, $"{name} {type}: llama.cpp logits differ from Sift's by {diff}");
            Assert.True(diff > 1e-6f, "a rounded export should not be bit-identical");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// Decoding with llama.cpp's KV cache one token at a time gives its own full-sequence logits (the cache path the
    /// completion backend uses).
    /// </summary>
    [Fact]
    public void IncrementalAppend_MatchesFullSequence()
    {
        if (Skip(out string why))
        {
            output.WriteLine($"SKIPPED: {why}");
            return;
        }
        string dir = TinyCheckpoints.TempDir("append");
        try
        {
            Build("qwen2", dir);
            string gguf = Path.Combine(dir, "model.gguf");
            GgufExporter.Export(dir, gguf, GgmlType.F32);
            using var cpp = LlamaCppModel.Open(gguf, threads: 2, contextSize: 64);
            float[] full = cpp.Logits(Tokens);
            int v = cpp.VocabSize;
            var row = new float[v];
            cpp.Reset();
            cpp.Append(Tokens.AsSpan(0, 5), row);
            Assert.True(MaxAbsDiff(full[(4 * v)..(5 * v)], row) < 1e-4f);
            for (int t = 5; t < Tokens.Length; t++)
            {
                cpp.Append(Tokens.AsSpan(t, 1), row);
                Assert.True(MaxAbsDiff(full[(t * v)..((t + 1) * v)], row) < 1e-4f, $"position {t}");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>llama.cpp's tokenizer, built from the exported metadata, splits text as Sift's tokenizer does.</summary>
    [Theory]
    [InlineData("qwen2", "Tom has 7 apples and buys 3 more. The answer is 10.")]
    [InlineData("llama-sentencepiece", "Hello world Hello")]
    public void ExportedTokenizer_TokenizesLikeSift(string name, string text)
    {
        if (Skip(out string why))
        {
            output.WriteLine($"SKIPPED: {why}");
            return;
        }
        string dir = TinyCheckpoints.TempDir("tok");
        try
        {
            Build(name, dir);
            string gguf = Path.Combine(dir, "model.gguf");
            GgufExporter.Export(dir, gguf, GgmlType.F32);
            var sift = Sift.Text.TokenizerFactory.Load(dir);
            using var cpp = LlamaCppModel.Open(gguf, threads: 1, contextSize: 32);
            int[] expected = sift.Encode(text);
            Assert.Equal(expected, cpp.Tokenize(text));
            Assert.Equal(text, cpp.Detokenize(expected).TrimStart());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>A GGUF llama.cpp cannot load (corrupt header, a tensor missing) is a clear error, not a crash.</summary>
    [Fact]
    public void UnloadableGguf_ClearError()
    {
        if (Skip(out string why))
        {
            output.WriteLine($"SKIPPED: {why}");
            return;
        }
        string dir = TinyCheckpoints.TempDir("unloadable");
        try
        {
            string junk = Path.Combine(dir, "junk.gguf");
            File.WriteAllBytes(junk, [.. "GGUF"u8, 3, 0, 0, 0, 1, 2]);
            var e = Assert.Throws<Sift.Core.SiftException>(() => LlamaCppModel.Open(junk));
            Assert.Contains("truncated", e.Message);

            // A well-formed file that lacks blk.0.ffn_down.weight: llama.cpp refuses it, and the error says so.
            Build("llama", dir);
            string full = Path.Combine(dir, "full.gguf");
            GgufExporter.Export(dir, full, GgmlType.F32);
            var f = GgufFile.Read(full);
            var w = new GgufWriter();
            foreach (var (k, v) in f.Metadata.Where(kv => kv.Key != "general.alignment"))
            {
                w.Add(k, v);
            }
            foreach (var t in f.Tensors.Where(t => t.Name != "blk.0.ffn_down.weight"))
            {
                float[] data = f.ReadTensor(t.Name);
                w.AddTensor(t.Name, t.Dims, t.Type, (r, dst) => data.AsSpan((int)(r * t.Dims[0]), (int)t.Dims[0]).CopyTo(dst));
            }
            string broken = Path.Combine(dir, "broken.gguf");
            w.Write(broken);
            e = Assert.Throws<Sift.Core.SiftException>(() => LlamaCppModel.Open(broken));
            Assert.Contains("llama.cpp could not load", e.Message);
            Assert.Contains(broken, e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
