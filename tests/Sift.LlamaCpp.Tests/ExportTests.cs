using Sift.Core;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.LlamaCpp.Gguf;
using Sift.Text;

namespace Sift.LlamaCpp.Tests;

/// <summary>What the exporter writes, read back with <see cref="GgufFile"/>.</summary>
public sealed class ExportTests
{
    [Fact]
    public void Export_WritesLlamaCppMetadataAndTensors()
    {
        string dir = TinyCheckpoints.TempDir("meta");
        var c = TinyCheckpoints.Write(dir, ModelArchitecture.Qwen2ForCausalLM);
        string gguf = Path.Combine(dir, "m.gguf");
        var result = GgufExporter.Export(dir, gguf, GgmlType.F32);
        var f = GgufFile.Read(gguf);
        Assert.Equal("qwen2", f.Get("general.architecture").Value);
        Assert.Equal(32u, f.Get("general.alignment").AsU32());
        Assert.Equal((uint)c.NumHiddenLayers, f.Get("qwen2.block_count").AsU32());
        Assert.Equal((uint)c.HiddenSize, f.Get("qwen2.embedding_length").AsU32());
        Assert.Equal((uint)c.IntermediateSize, f.Get("qwen2.feed_forward_length").AsU32());
        Assert.Equal((uint)c.NumAttentionHeads, f.Get("qwen2.attention.head_count").AsU32());
        Assert.Equal((uint)c.NumKeyValueHeads, f.Get("qwen2.attention.head_count_kv").AsU32());
        Assert.Equal((uint)c.MaxPositionEmbeddings, f.Get("qwen2.context_length").AsU32());
        Assert.Equal(c.RmsNormEps, f.Get("qwen2.attention.layer_norm_rms_epsilon").Value);
        Assert.Equal(c.RopeTheta, f.Get("qwen2.rope.freq_base").Value);
        Assert.Equal("gpt2", f.Get("tokenizer.ggml.model").Value);
        Assert.Equal("gpt-2", f.Get("tokenizer.ggml.pre").Value);
        var tok = TokenizerFactory.Load(dir);
        var tokens = (string[])f.Get("tokenizer.ggml.tokens").Value;
        Assert.Equal(c.VocabSize, tokens.Length);
        Assert.Equal(tok.IdToToken(100), tokens[100]);
        Assert.Equal($"[PAD{c.VocabSize - 1}]", tokens[^1]);
        var types = (int[])f.Get("tokenizer.ggml.token_type").Value;
        Assert.Equal(3, types[tok.EosId!.Value]); // control
        Assert.Equal(5, types[^1]); // unused padding
        Assert.Equal(tok.Merges.Count, ((string[])f.Get("tokenizer.ggml.merges").Value).Length);
        Assert.Equal((uint)tok.EosId!.Value, f.Get("tokenizer.ggml.eos_token_id").AsU32());
        Assert.Equal(2 + c.NumHiddenLayers * 12 + 1, result.Tensors); // embd, norm, output + 12 per layer (with biases)
        Assert.Equal([c.HiddenSize, c.VocabSize], f.Tensor("token_embd.weight").Dims);
        Assert.Equal([c.KvDim], f.Tensor("blk.1.attn_k.bias").Dims);

        // Weights: v unpermuted everywhere; Qwen2's q unpermuted (NeoX rope in llama.cpp).
        using var model = HfModelFolder.Load(dir);
        var w = model.Weights.AsSpan();
        var o = model.Layout.Layers[1];
        int d = c.HiddenSize;
        Assert.Equal(w.Slice((int)(o.Qkv + (long)(c.QDim + c.KvDim) * d), c.KvDim * d).ToArray(), f.ReadTensor("blk.1.attn_v.weight"));
        Assert.Equal(w.Slice((int)o.Qkv, c.QDim * d).ToArray(), f.ReadTensor("blk.1.attn_q.weight"));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Export_Llama_PermutesQkAndWritesRopeFactors()
    {
        string dir = TinyCheckpoints.TempDir("perm");
        var c = TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM, sentencePiece: true, rope: new RopeScaling(RopeScalingType.Llama3, 8f, 1f, 4f, 64));
        string gguf = Path.Combine(dir, "m.gguf");
        GgufExporter.Export(dir, gguf, GgmlType.F16);
        var f = GgufFile.Read(gguf);
        Assert.Equal("llama", f.Get("tokenizer.ggml.model").Value);
        Assert.Equal(1u, f.Get("general.file_type").AsU32());
        Assert.Equal(GgmlType.F16, f.Tensor("blk.0.attn_k.weight").Type);
        Assert.Equal(GgmlType.F32, f.Tensor("blk.0.attn_norm.weight").Type);
        var types = (int[])f.Get("tokenizer.ggml.token_type").Value;
        Assert.Equal(6, types[3 + 0x41]); // <0x41> is a byte token
        var scores = (float[])f.Get("tokenizer.ggml.scores").Value;
        var tok = TokenizerFactory.Load(dir);
        Assert.True(scores[tok.TokenToId("▁H")!.Value] > scores[tok.TokenToId("▁Hello")!.Value]); // earlier merge, higher score
        float[] factors = f.ReadTensor("rope_freqs.weight");
        Assert.Equal(c.HeadDim / 2, factors.Length);
        Assert.Equal(1f, factors[0]); // high frequency kept
        Assert.Equal(8f, factors[^1], 4); // low frequency divided by the factor

        using var model = HfModelFolder.Load(dir);
        int d = c.HiddenSize, hd = c.HeadDim;
        var k = f.ReadTensor("blk.0.attn_k.weight");
        var w = model.Weights.AsSpan();
        long kOff = model.Layout.Layers[0].Qkv + (long)c.QDim * d;
        for (int r = 0; r < c.KvDim; r++)
        {
            long src = GgufExporter.Interleave(r, hd);
            for (int j = 0; j < d; j++)
            {
                Assert.Equal((float)(Half)w[(int)(kOff + src * d + j)], k[r * d + j]);
            }
        }
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Export_Q8_0_UsesQ8ForMatricesAndF32ForVectors()
    {
        string dir = TinyCheckpoints.TempDir("q8");
        TinyCheckpoints.Write(dir, ModelArchitecture.InternLM2ForCausalLM);
        string gguf = Path.Combine(dir, "m.gguf");
        GgufExporter.Export(dir, gguf, GgmlType.Q8_0);
        var f = GgufFile.Read(gguf);
        Assert.Equal("internlm2", f.Get("general.architecture").Value);
        Assert.Equal(7u, f.Get("general.file_type").AsU32());
        Assert.All(f.Tensors.Where(t => t.Dims.Length == 2), t => Assert.Equal(GgmlType.Q8_0, t.Type));
        Assert.All(f.Tensors.Where(t => t.Dims.Length == 1), t => Assert.Equal(GgmlType.F32, t.Type));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Export_BadInput_ClearErrors()
    {
        string dir = TinyCheckpoints.TempDir("bad");
        TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM, rope: new RopeScaling(RopeScalingType.Dynamic, 2f));
        var e = Assert.Throws<SiftException>(() => GgufExporter.Export(dir, Path.Combine(dir, "m.gguf"), GgmlType.F32));
        Assert.Contains("'rope_scaling'", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, "m.gguf")));
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        TinyCheckpoints.Write(dir, ModelArchitecture.LlamaForCausalLM);
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        e = Assert.Throws<SiftException>(() => GgufExporter.Export(dir, Path.Combine(dir, "m.gguf"), GgmlType.F32));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("q8_0", Assert.Throws<SiftException>(() => GgufExporter.ParseType("q4_k")).Message);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Export_Mistral_WarnsAboutTheSlidingWindow()
    {
        string dir = TinyCheckpoints.TempDir("swa");
        TinyCheckpoints.Write(dir, ModelArchitecture.MistralForCausalLM);
        // The tiny config's window (4096) exceeds its context (256): nothing to warn about.
        Assert.Empty(GgufExporter.Export(dir, Path.Combine(dir, "m.gguf"), GgmlType.F32).Warnings);
        string cfgPath = Path.Combine(dir, "config.json");
        var cfg = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject();
        cfg["sliding_window"] = 16;
        File.WriteAllText(cfgPath, cfg.ToJsonString());
        var warnings = GgufExporter.Export(dir, Path.Combine(dir, "m.gguf"), GgmlType.F32).Warnings;
        Assert.Contains(warnings, x => x.Contains("sliding window of 16"));
        Directory.Delete(dir, true);
    }
}
