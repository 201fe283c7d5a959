using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Engine.Kernels.Cpu;
using Sift.Pipelines.Training;
using Xunit.Abstractions;

namespace Sift.Pipelines.Tests.Training;

public sealed class PrecisionTests(ITestOutputHelper output)
{
    [Fact]
    public void Fp32_IsTheDefault()
    {
        TrainRecipe r = TrainRecipe.Load(null, ["data.train=x"]);
        Assert.Equal("fp32", r.Precision);
    }

    [Fact]
    public void Bf16Mixed_IsAccepted_OrRefusedNamingTheKeyAndTheReason()
    {
        Assert.Throws<SiftException>(() => TrainRecipe.Load(null, ["data.train=x", "train.precision=fp8"]));
        if (PrecisionSupport.Bf16MixedUnavailableHere() is { } why)
        {
            var ex = Assert.Throws<SiftException>(() => TrainRecipe.Load(null, ["data.train=x", "train.precision=bf16-mixed"]));
            Assert.Contains("train.precision", ex.Message);
            Assert.Contains(why, ex.Message);
        }
        else
        {
            Assert.Equal("bf16-mixed", TrainRecipe.Load(null, ["data.train=x", "train.precision=bf16-mixed"]).Precision);
        }
    }

    [Fact]
    public void Bf16Mixed_Message_NamesTheMissingFlag_OrTheMissingKernel()
    {
        var without = CpuInfo.Parse("model name\t: AMD EPYC 7B13\nflags\t: avx2 fma\n");
        var with = CpuInfo.Parse("model name\t: Intel Xeon\nflags\t: avx2 fma avx512f avx512bw avx512vl avx512_bf16\n");
        string lacks = PrecisionSupport.Bf16MixedUnavailable(without, null, true)!;
        Assert.Contains("lacks", lacks);
        Assert.Contains("avx512_bf16", lacks);
        Assert.Contains("AMD EPYC 7B13", lacks);
        Assert.Contains("not built", PrecisionSupport.Bf16MixedUnavailable(with, "the native bf16 kernel was not built", false));
        Assert.Null(PrecisionSupport.Bf16MixedUnavailable(with, null, true));
    }

    /// <summary>
    /// The same 40-step run of a tiny model in fp32 and in bf16-mixed (same seed and data, lr 0.003): every logged
    /// training loss of the bf16 run is within 2% of the fp32 one, and both learn. bf16 keeps 8 significant bits of
    /// each projection's GEMM inputs (relative error ≤ 2⁻⁹, the logits head included), so the gap comes from slightly
    /// different updates accumulating; measured 0.53% at most on an AMD EPYC Zen 5, 0.97% on a Zen 4 with an earlier
    /// kernel (the summation order, and so the gap, changes with the kernel's blocking). A wrong kernel or rounding
    /// bug gives gaps of tens of percent; the demo-scale check over eight seeds is in the README.
    /// At lr 0.01 this model has loss spikes whose timing either run can shift (one fp32 spike gave per-step gaps up to 12%).
    /// </summary>
    [Fact]
    public void Bf16MixedLossCurve_TracksFp32()
    {
        if (PrecisionSupport.Bf16MixedUnavailableHere() is { } why)
        {
            output.WriteLine($"skipped: {why}");
            return;
        }
        string dir = Directory.CreateTempSubdirectory("sift-bf16").FullName;
        string data = TrainingRunTests.PackCorpus(dir);
        double[] Losses(string precision)
        {
            string run = Path.Combine(dir, precision);
            new TrainingRun(TrainRecipe.Load(null,
            [
                $"data.train={data}", $"out_dir={run}", "model.preset=tiny", "model.hidden_size=64", "model.intermediate_size=128",
                "model.num_hidden_layers=2", "model.num_attention_heads=2", "model.num_key_value_heads=1",
                "train.seq_len=32", "train.micro_batch=4", "train.max_steps=40", "train.threads=2", $"train.precision={precision}", "train.gemm=managed",
                "optim.lr=0.003", "optim.warmup_steps=4", "log.interval=1", "eval.interval=0", "checkpoint.interval=0", "data.holdout_every=0",
            ])).Execute(resume: false);
            return File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!)
                .Where(o => o["loss"] is not null).Select(o => (double)o["loss"]!).ToArray();
        }
        double[] fp32 = Losses("fp32"), bf16 = Losses("bf16-mixed");
        Assert.Equal(40, fp32.Length);
        Assert.Equal(fp32.Length, bf16.Length);
        double worst = fp32.Zip(bf16, (f, b) => Math.Abs(b - f) / f).Max();
        output.WriteLine($"loss fp32 {fp32[0]:F4} -> {fp32[^1]:F4}, bf16-mixed {bf16[0]:F4} -> {bf16[^1]:F4}; largest relative gap {worst:P2}");
        Assert.True(worst < 0.02, $"bf16-mixed loss drifts {worst:P2} from fp32 (allowed 2%)");
        Assert.NotEqual(fp32, bf16); // the bf16 path really ran
        Assert.True(bf16[^1] < 0.7 * bf16[0] && fp32[^1] < 0.7 * fp32[0], "both runs should learn");
    }
}
