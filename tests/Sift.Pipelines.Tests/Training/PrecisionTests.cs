using Sift.Core;
using Sift.Engine.Kernels.Cpu;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Tests.Training;

public sealed class PrecisionTests
{
    [Fact]
    public void Fp32_IsTheDefault()
    {
        TrainRecipe r = TrainRecipe.Load(null, ["data.train=x"]);
        Assert.Equal("fp32", r.Precision);
    }

    [Fact]
    public void Bf16Mixed_IsRefused_NamingTheKeyAndTheReason()
    {
        var ex = Assert.Throws<SiftException>(() => TrainRecipe.Load(null, ["data.train=x", "train.precision=bf16-mixed"]));
        Assert.Contains("train.precision", ex.Message);
        Assert.Contains("AVX512_BF16", ex.Message);
        Assert.Throws<SiftException>(() => TrainRecipe.Load(null, ["data.train=x", "train.precision=fp8"]));
    }

    [Fact]
    public void Bf16Mixed_Message_NamesTheMissingFlag_OrTheMissingCode()
    {
        var without = CpuInfo.Parse("model name\t: AMD EPYC 7B13\nflags\t: avx2 fma\n");
        var with = CpuInfo.Parse("model name\t: Intel Xeon\nflags\t: avx2 fma avx512f avx512_bf16\n");
        Assert.Contains("lacks", PrecisionSupport.Bf16MixedUnavailable(without));
        Assert.Contains("avx512_bf16", PrecisionSupport.Bf16MixedUnavailable(without));
        Assert.Contains("AMD EPYC 7B13", PrecisionSupport.Bf16MixedUnavailable(without));
        Assert.Contains("not implemented", PrecisionSupport.Bf16MixedUnavailable(with));
    }
}
