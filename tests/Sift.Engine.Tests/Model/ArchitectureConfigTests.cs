using Sift.Core;
using Sift.Engine.Model;
using Xunit.Abstractions;

namespace Sift.Engine.Tests.Model;

/// <summary>config.json parsing of every architecture: the published seed configs, their parameter counts, and the errors.</summary>
public sealed class ArchitectureConfigTests(ITestOutputHelper output)
{
    /// <summary>
    /// Published parameter counts (../shared/models/SOURCES.md: the stated figures where a source gives one, the
    /// derived totals otherwise; the table there marks which).
    /// </summary>
    public static TheoryData<string, ModelArchitecture, long> Published => new()
    {
        { "meta-llama__Llama-3.1-8B-Instruct", ModelArchitecture.LlamaForCausalLM, 8_030_261_248 },
        { "meta-llama__Llama-3.1-8B", ModelArchitecture.LlamaForCausalLM, 8_030_261_248 },
        { "mistralai__Mistral-7B-v0.1", ModelArchitecture.MistralForCausalLM, 7_241_732_096 },
        { "Qwen__Qwen2.5-Math-7B-Instruct", ModelArchitecture.Qwen2ForCausalLM, 7_615_616_512 },
        { "Qwen__Qwen2.5-Math-1.5B-Instruct", ModelArchitecture.Qwen2ForCausalLM, 1_543_714_304 },
        { "Qwen__Qwen2.5-Math-1.5B", ModelArchitecture.Qwen2ForCausalLM, 1_543_714_304 },
        { "deepseek-ai__deepseek-math-7b-base", ModelArchitecture.LlamaForCausalLM, 6_910_365_696 },
        { "internlm__internlm2-math-base-7b", ModelArchitecture.InternLM2ForCausalLM, 7_737_708_544 },
        { "microsoft__rho-math-1b-v0.1", ModelArchitecture.LlamaForCausalLM, 1_100_048_384 },
        { "realtreetune__rho-1b-sft-MATH", ModelArchitecture.LlamaForCausalLM, 1_100_048_384 },
    };

    private static string? SharedConfig(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sift.slnx")))
        {
            dir = dir.Parent;
        }
        string? env = Environment.GetEnvironmentVariable("SIFT_SHARED");
        string? root = !string.IsNullOrEmpty(env) ? env : dir?.Parent is null ? null : Path.Combine(dir.Parent.FullName, "shared");
        string? path = root is null ? null : Path.Combine(root, "models", "configs", name + ".config.json");
        return path is not null && File.Exists(path) ? path : null;
    }

    [Theory]
    [MemberData(nameof(Published))]
    public void PublishedConfig_ParsesWithItsExactParameterCount(string name, ModelArchitecture architecture, long parameters)
    {
        string? path = SharedConfig(name);
        if (path is null)
        {
            output.WriteLine($"../shared/models/configs/{name}.config.json not found (set SIFT_SHARED): skipped");
            return;
        }
        var c = LlamaConfig.Load(path);
        Assert.Equal(architecture, c.Architecture);
        Assert.Equal(parameters, c.ParameterCount);
        // What we write back reads as the same config.
        Assert.Equal(c, LlamaConfig.Parse(c.ToJson(), "round trip"));
    }

    [Fact]
    public void PublishedConfigs_CarryTheirArchitectureDetails()
    {
        string? llama = SharedConfig("meta-llama__Llama-3.1-8B-Instruct"), mistral = SharedConfig("mistralai__Mistral-7B-v0.1");
        string? qwen = SharedConfig("Qwen__Qwen2.5-Math-1.5B"), intern = SharedConfig("internlm__internlm2-math-base-7b");
        string? prm = SharedConfig("Qwen__Qwen2.5-Math-PRM-7B");
        if (llama is null || mistral is null || qwen is null || intern is null || prm is null)
        {
            output.WriteLine("../shared/models/configs not found (set SIFT_SHARED): skipped");
            return;
        }
        var l = LlamaConfig.Load(llama);
        Assert.Equal(new RopeScaling(RopeScalingType.Llama3, 8f, 1f, 4f, 8192), l.RopeScaling);
        Assert.Equal(128009 - 8, l.EosTokenId);
        Assert.Null(l.AttentionWindow(0));

        var m = LlamaConfig.Load(mistral);
        Assert.All(Enumerable.Range(0, m.NumHiddenLayers), i => Assert.Equal(4096, m.AttentionWindow(i)));

        var q = LlamaConfig.Load(qwen);
        Assert.True(q.Spec.QkvBias);
        Assert.True(q.TieWordEmbeddings);
        Assert.Equal(4096, q.SlidingWindow);
        Assert.All(Enumerable.Range(0, q.NumHiddenLayers), i => Assert.Null(q.AttentionWindow(i))); // use_sliding_window false

        var n = LlamaConfig.Load(intern);
        Assert.Equal(TensorNaming.InternLM2, n.Spec.Naming);
        Assert.Equal(1_000_000f, n.RopeTheta);
        Assert.Contains("modeling_internlm2.InternLM2ForCausalLM", n.AutoMapJson);
        Assert.Contains("\"auto_map\"", n.ToJson());

        // The PRM's head is remote code (not a score head): refused with the architecture named.
        var ex = Assert.Throws<SiftException>(() => LlamaConfig.Load(prm));
        Assert.Contains("Qwen2ForProcessRewardModel", ex.Message);
        Assert.Contains("Qwen2ForSequenceClassification", ex.Message);
    }

    private const string Base = """
        "vocab_size": 32, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 3,
        "num_attention_heads": 4, "num_key_value_heads": 2
        """;

    [Fact]
    public void Registry_HasEveryArchitectureOnceInEnumOrder()
    {
        var ids = Enum.GetValues<ModelArchitecture>();
        Assert.Equal(ids.Length, Architectures.All.Count);
        Assert.All(ids, id => Assert.Equal(id, Architectures.Of(id).Id));
        Assert.All(ids, id => Assert.Same(Architectures.Of(id), Architectures.FindByName(id.ToString())));
    }

    [Theory]
    [InlineData("""{"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}""", "'yarn'")]
    [InlineData("""{"type": "longrope", "factor": 4.0}""", "'longrope'")]
    [InlineData("""{"factor": 4.0}""", "rope_type")]
    [InlineData("""{"rope_type": "linear"}""", "factor")]
    [InlineData("""{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0}""", "original_max_position_embeddings")]
    [InlineData("""{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 4.0, "high_freq_factor": 1.0, "original_max_position_embeddings": 64}""", "low_freq_factor")]
    public void RopeScaling_UnknownOrIncomplete_IsAClearError(string scaling, string named)
    {
        var ex = Assert.Throws<SiftException>(() => LlamaConfig.Parse($$"""{"architectures": ["LlamaForCausalLM"], {{Base}}, "rope_scaling": {{scaling}}}""", "m/config.json"));
        Assert.Contains("m/config.json", ex.Message);
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public void RopeScaling_KnownTypesParse_DefaultIsNone_InternLm2RefusesLlama3()
    {
        LlamaConfig P(string arch, string scaling) => LlamaConfig.Parse($$"""{"architectures": ["{{arch}}"], {{Base}}, "rope_scaling": {{scaling}}}""");
        Assert.Equal(new RopeScaling(RopeScalingType.Linear, 2f), P("LlamaForCausalLM", """{"type": "linear", "factor": 2}""").RopeScaling);
        Assert.Equal(new RopeScaling(RopeScalingType.Dynamic, 1.5f), P("Qwen2ForCausalLM", """{"rope_type": "dynamic", "factor": 1.5}""").RopeScaling);
        Assert.Null(P("MistralForCausalLM", """{"rope_type": "default"}""").RopeScaling);
        Assert.Equal(new RopeScaling(RopeScalingType.Dynamic, 2f), P("InternLM2ForCausalLM", """{"type": "dynamic", "factor": 2.0}""").RopeScaling);
        var ex = Assert.Throws<SiftException>(() => P("InternLM2ForCausalLM", """{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 64}"""));
        Assert.Contains("InternLM2ForCausalLM", ex.Message);
        Assert.Contains("llama3", ex.Message);
    }

    [Fact]
    public void SlidingWindow_FollowsEachFamilysRule()
    {
        LlamaConfig P(string arch, string extra) => LlamaConfig.Parse($$"""{"architectures": ["{{arch}}"], {{Base}}{{extra}}}""");
        // Mistral: every layer; transformers' default 4096 when the key is absent; null turns it off.
        Assert.Equal(4096, P("MistralForCausalLM", "").AttentionWindow(2));
        Assert.Null(P("MistralForCausalLM", """, "sliding_window": null""").AttentionWindow(0));
        Assert.Equal(7, P("MistralForCausalLM", """, "sliding_window": 7""").AttentionWindow(0));
        // Qwen2: only with use_sliding_window, on layers ≥ max_window_layers.
        var q = P("Qwen2ForCausalLM", """, "sliding_window": 5, "use_sliding_window": true, "max_window_layers": 2""");
        Assert.Equal(new int?[] { null, null, 5 }, Enumerable.Range(0, 3).Select(q.AttentionWindow).ToArray());
        Assert.Null(P("Qwen2ForCausalLM", """, "sliding_window": 5, "use_sliding_window": false, "max_window_layers": 0""").AttentionWindow(2));
        // Llama has no window: transformers ignores the key.
        Assert.Null(P("LlamaForCausalLM", """, "sliding_window": 5""").AttentionWindow(0));
        var ex = Assert.Throws<SiftException>(() => P("MistralForCausalLM", """, "sliding_window": 0"""));
        Assert.Contains("sliding_window", ex.Message);
    }

    [Fact]
    public void Architecture_UnknownOrMismatched_IsAClearError()
    {
        var ex = Assert.Throws<SiftException>(() => LlamaConfig.Parse($$"""{"architectures": ["GPT2LMHeadModel"], {{Base}}}""", "g.json"));
        Assert.Contains("'GPT2LMHeadModel'", ex.Message);
        Assert.Contains("InternLM2ForCausalLM", ex.Message);
        ex = Assert.Throws<SiftException>(() => LlamaConfig.Parse($$"""{"architectures": ["LlamaForCausalLM"], "model_type": "qwen2", {{Base}}}"""));
        Assert.Contains("model_type 'qwen2'", ex.Message);
        ex = Assert.Throws<SiftException>(() => LlamaConfig.Parse($$"""{"model_type": "gpt_neox", {{Base}}}"""));
        Assert.Contains("'gpt_neox'", ex.Message);
        ex = Assert.Throws<SiftException>(() => LlamaConfig.Parse($$"""{"architectures": ["InternLM2ForCausalLM"], {{Base}}, "bias": true}"""));
        Assert.Contains("bias=true", ex.Message);
        // Without architectures, model_type picks the causal LM; InternLM2's older "internlm" type is accepted.
        Assert.Equal(ModelArchitecture.Qwen2ForCausalLM, LlamaConfig.Parse($$"""{"model_type": "qwen2", {{Base}}}""").Architecture);
        Assert.Equal(ModelArchitecture.InternLM2ForCausalLM, LlamaConfig.Parse($$"""{"architectures": ["InternLM2ForCausalLM"], "model_type": "internlm", {{Base}}}""").Architecture);
    }

    [Fact]
    public void ScoreHead_ReadsNumLabelsFromTheLabelMap_AndCountsTheScoreMatrix()
    {
        var c = LlamaConfig.Parse($$"""{"architectures": ["Qwen2ForSequenceClassification"], {{Base}}, "id2label": {"0": "LABEL_0"}, "pad_token_id": 3}""");
        Assert.Equal(ModelHead.Score, c.Spec.Head);
        Assert.Equal(1, c.NumLabels);
        Assert.Equal(1, c.HeadWidth);
        Assert.Equal(3, c.PadTokenId);
        var lm = c with { Architecture = ModelArchitecture.Qwen2ForCausalLM };
        // The score head [1, d] replaces the LM head [V, d].
        Assert.Equal(lm.ParameterCount - 32 * 16 + 16, c.ParameterCount);
        Assert.Equal(2, LlamaConfig.Parse($$"""{"architectures": ["LlamaForSequenceClassification"], {{Base}}}""").NumLabels);
        Assert.Equal(c, LlamaConfig.Parse(c.ToJson()));
        var ex = Assert.Throws<SiftException>(() => c.RequireCausalLm("generation"));
        Assert.Contains("Qwen2ForSequenceClassification", ex.Message);
    }

    [Fact]
    public void InternLm2_WqkvRowOrder_IsAPermutationGroupedPerKvHead()
    {
        var c = LlamaConfig.Parse($$"""{"architectures": ["InternLM2ForCausalLM"], {{Base}}}"""); // 4 heads, 2 kv heads, hd 4
        int[] rows = ParameterLayout.GroupedQkvRows(c);
        Assert.Equal(Enumerable.Range(0, rows.Length), rows.Order());
        int hd = c.HeadDim;
        // Stored block of kv head 1: q heads 2, 3, then k1, then v1.
        int block = (c.GroupSize + 2) * hd;
        Assert.Equal(2 * hd, rows[block]);
        Assert.Equal(3 * hd, rows[block + hd]);
        Assert.Equal(c.QDim + hd, rows[block + 2 * hd]);
        Assert.Equal(c.QDim + c.KvDim + hd, rows[block + 3 * hd]);
        var wqkv = ParameterLayout.For(c).Find("model.layers.0.attention.wqkv.weight")!;
        Assert.Equal(rows[5] * c.HiddenSize + 3, wqkv.BufferIndex(5 * c.HiddenSize + 3));
    }
}
