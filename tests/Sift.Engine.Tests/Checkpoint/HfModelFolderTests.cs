using Sift.Core;
using Sift.Engine.Checkpoint;
using Sift.Engine.IO;
using Sift.Engine.Model;
using Sift.Engine.Tests.Model;

namespace Sift.Engine.Tests.Checkpoint;

public sealed class HfModelFolderTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SaveThenLoad_IsBitExact_WithHfNames(bool tied)
    {
        string dir = Directory.CreateTempSubdirectory("sift-hf").FullName;
        using var model = new LlamaModel(ModelGradientTests.TinyConfig(tied));
        model.InitRandom(3);
        HfModelFolder.Save(model, dir);
        using (var st = SafeTensorsFile.Open(Path.Combine(dir, "model.safetensors")))
        {
            Assert.Contains("model.layers.1.self_attn.k_proj.weight", st.Tensors.Keys);
            Assert.Equal(new long[] { 4, 8 }, st.Tensors["model.layers.0.self_attn.k_proj.weight"].Shape);
            Assert.Equal(!tied, st.Tensors.ContainsKey("lm_head.weight"));
        }
        using var loaded = HfModelFolder.Load(dir);
        Assert.Equal(model.Config, loaded.Config);
        Assert.True(model.Weights.AsSpan().SequenceEqual(loaded.Weights.AsSpan()));
    }

    [Fact]
    public void Bf16Save_RoundsWeights_AndRecordsDtype()
    {
        string dir = Directory.CreateTempSubdirectory("sift-hf").FullName;
        using var model = new LlamaModel(ModelGradientTests.TinyConfig(true));
        model.InitRandom(4);
        HfModelFolder.Save(model, dir, SafeTensorsDType.BF16);
        using var loaded = HfModelFolder.Load(dir);
        Assert.Equal("bfloat16", loaded.Config.TorchDtype);
        var a = model.Weights.AsSpan();
        var b = loaded.Weights.AsSpan();
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= Math.Abs(a[i]) / 128 + 1e-30, $"element {i}: {a[i]} vs {b[i]}");
        }
    }

    [Fact]
    public void Load_ShapeMismatch_NamesTensorAndShapes()
    {
        string dir = Directory.CreateTempSubdirectory("sift-hf").FullName;
        using var model = new LlamaModel(ModelGradientTests.TinyConfig(true));
        HfModelFolder.Save(model, dir);
        var cfg = ModelGradientTests.TinyConfig(true) with { IntermediateSize = 16 };
        cfg.Save(Path.Combine(dir, "config.json"));
        var ex = Assert.Throws<SiftException>(() => HfModelFolder.Load(dir));
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", ex.Message);
        Assert.Contains("[16, 8]", ex.Message);
    }

    [Fact]
    public void Config_BadField_IsNamed()
    {
        var ex = Assert.Throws<SiftException>(() => LlamaConfig.Parse("""{"hidden_size": "big", "num_attention_heads": 2}""", "x/config.json"));
        Assert.Contains("x/config.json", ex.Message);
        Assert.Contains("hidden_size", ex.Message);
        ex = Assert.Throws<SiftException>(() => LlamaConfig.Parse("""{"hidden_size": 8, "num_attention_heads": 2, "vocab_size": 5, "num_hidden_layers": 1}""", "c.json"));
        Assert.Contains("intermediate_size", ex.Message);
    }

    [Fact]
    public void Config_ReadsTinyLlamaStyleJson()
    {
        const string json = """
        {"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
         "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 5632, "max_position_embeddings": 2048,
         "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 22, "num_key_value_heads": 4,
         "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "tie_word_embeddings": false,
         "torch_dtype": "bfloat16", "transformers_version": "4.35.0", "use_cache": true, "vocab_size": 32000}
        """;
        var c = LlamaConfig.Parse(json);
        Assert.Equal(ModelPresets.TinyLlama1B, c);
        Assert.Equal(1_100_048_384, c.ParameterCount);
    }
}
