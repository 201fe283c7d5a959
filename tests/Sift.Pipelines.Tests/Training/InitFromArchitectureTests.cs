using Sift.Engine.Checkpoint;
using Sift.Engine.IO;
using Sift.Engine.Model;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Tests.Training;

/// <summary><c>sift train</c> with <c>model.init_from</c> of each architecture: trains, checkpoints, resumes and saves under the architecture's names.</summary>
public sealed class InitFromArchitectureTests
{
    [Theory]
    [InlineData(ModelArchitecture.MistralForCausalLM, "model.layers.1.self_attn.q_proj.weight")]
    [InlineData(ModelArchitecture.Qwen2ForCausalLM, "model.layers.1.self_attn.k_proj.bias")]
    [InlineData(ModelArchitecture.InternLM2ForCausalLM, "model.layers.1.attention.wqkv.weight")]
    [InlineData(ModelArchitecture.LlamaForCausalLM, "lm_head.weight")]
    public void InitFrom_TrainsResumesAndSavesTheSameArchitecture(ModelArchitecture arch, string tensor)
    {
        string dir = Directory.CreateTempSubdirectory("sift-arch-train").FullName;
        string data = TrainingRunTests.PackCorpus(dir);
        var cfg = new LlamaConfig
        {
            Architecture = arch,
            VocabSize = 257,
            HiddenSize = 32,
            IntermediateSize = 48,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 8,
            MaxPositionEmbeddings = 64,
            SlidingWindow = 4, // shorter than train.seq_len (Mistral; Qwen2 uses it on layers ≥ 1)
            UseSlidingWindow = true,
            MaxWindowLayers = 1,
            RopeScaling = arch == ModelArchitecture.LlamaForCausalLM ? new RopeScaling(RopeScalingType.Llama3, 4f, 1f, 4f, 32) : null,
            TieWordEmbeddings = arch == ModelArchitecture.Qwen2ForCausalLM,
            EosTokenId = 0,
        };
        string init = Path.Combine(dir, "init");
        using (var m = new LlamaModel(cfg))
        {
            m.InitRandom(1);
            HfModelFolder.Save(m, init);
        }
        string[] Sets(string outDir, int steps) =>
        [
            $"data.train={data}", $"out_dir={outDir}", $"model.init_from={init}",
            "train.seq_len=16", "train.micro_batch=2", "train.grad_accum=1", $"train.max_steps={steps}", "train.threads=2",
            "optim.lr=0.01", "optim.warmup_steps=1", "log.interval=1", "eval.interval=3", "eval.batches=1",
            "checkpoint.interval=3", "data.holdout_every=10",
        ];
        var full = new TrainingRun(TrainRecipe.Load(null, Sets(Path.Combine(dir, "a"), 6))).Execute(resume: false);
        new TrainingRun(TrainRecipe.Load(null, Sets(Path.Combine(dir, "b"), 6))) { StopAfterSteps = 3 }.Execute(resume: false);
        var resumed = new TrainingRun(TrainRecipe.Load(null, Sets(Path.Combine(dir, "b"), 6))).Execute(resume: true);
        Assert.Equal(6, resumed.Steps);
        Assert.True(double.IsFinite(full.FinalLoss));
        Assert.Equal(File.ReadAllBytes(Path.Combine(full.ModelDir, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed.ModelDir, "model.safetensors")));

        using var trained = HfModelFolder.Load(full.ModelDir);
        Assert.Equal(arch, trained.Config.Architecture);
        Assert.Equal(LlamaConfig.Load(Path.Combine(init, "config.json")) with { TorchDtype = trained.Config.TorchDtype }, trained.Config);
        using var st = SafeTensorsFile.Open(Path.Combine(full.ModelDir, "model.safetensors"));
        Assert.Contains(tensor, st.Tensors.Keys);
        Assert.Equal(trained.Layout.Tensors.Count, st.Tensors.Count);
    }
}
