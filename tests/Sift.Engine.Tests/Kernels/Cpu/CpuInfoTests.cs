using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Kernels.Gemm;

namespace Sift.Engine.Tests.Kernels.Cpu;

public sealed class CpuInfoTests
{
    internal const string XeonAvx512 = """
        processor	: 0
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Platinum 8488C
        flags		: fpu sse sse2 avx avx2 fma f16c avx512f avx512dq avx512bw avx512vl avx512_vnni avx512_bf16 avx512_fp16

        processor	: 1
        model name	: ignored second block
        flags		: fpu
        """;

    internal const string EpycAvx2 = "model name\t: AMD EPYC 7B13\nflags\t\t: fpu sse avx avx2 fma\n";

    [Fact]
    public void Parse_ReadsTheFirstModelAndFlags()
    {
        CpuInfo cpu = CpuInfo.Parse(XeonAvx512);
        Assert.Equal("Intel(R) Xeon(R) Platinum 8488C", cpu.Model);
        Assert.True(cpu.HasAvx512);
        Assert.True(cpu.HasAvx2Fma);
        Assert.Equal(["avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16"],
            cpu.SimdFlagsPresent);

        Assert.Equal("", cpu.Signature); // no family lines in this sample
        Assert.Equal(cpu.Model, cpu.Identity);

        CpuInfo amd = CpuInfo.Parse(EpycAvx2);
        Assert.False(amd.HasAvx512);
        Assert.True(amd.HasAvx2Fma);
        Assert.Equal("unknown", CpuInfo.Parse("garbage\n").Model);
        Assert.Empty(CpuInfo.Parse("").Flags);
    }

    [Fact]
    public void Parse_ReadsFamilyModelAndStepping_SoSameNamedGenerationsDiffer()
    {
        const string zen5 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\nstepping\t: 1\nflags\t\t: avx2 fma avx512f\n\nprocessor\t: 1\ncpu family\t: 99\n";
        const string zen4 = "cpu family\t: 25\nmodel\t\t: 17\nmodel name\t: AMD EPYC\nstepping\t: 1\nflags\t\t: avx2 fma avx512f\n";
        CpuInfo a = CpuInfo.Parse(zen5), b = CpuInfo.Parse(zen4);
        Assert.Equal("family 26 model 2 stepping 1", a.Signature);
        Assert.Equal("AMD EPYC (family 26 model 2 stepping 1)", a.Identity);
        Assert.Equal(a.Model, b.Model);
        Assert.NotEqual(a.Identity, b.Identity); // per-machine caches keyed by Identity do not carry over
        Assert.Equal("family 6 model 143", CpuInfo.Parse("cpu family: 6\nmodel: 143\n").Signature);
    }

    [Fact]
    public void Current_MatchesTheIntrinsicsDotNetReports()
    {
        CpuInfo cpu = CpuInfo.Current;
        Assert.NotEmpty(cpu.Flags);
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            Assert.Contains("avx2", cpu.Flags);
        }
        if (System.Runtime.Intrinsics.X86.Avx512BW.IsSupported)
        {
            Assert.True(cpu.HasAvx512);
        }
    }

    [Theory]
    [InlineData("Prescott", XeonAvx512, "SkylakeX")]
    [InlineData("Prescott", EpycAvx2, "Haswell")]
    [InlineData("Nehalem", EpycAvx2, "Haswell")]
    [InlineData("Sandybridge", XeonAvx512, "SkylakeX")]
    [InlineData("Haswell", XeonAvx512, null)]
    [InlineData("SkylakeX", XeonAvx512, null)]
    [InlineData("Cooperlake", XeonAvx512, null)]
    [InlineData("Zen", EpycAvx2, null)]
    [InlineData("Prescott", "flags\t: sse sse2 sse3\n", null)]
    public void OpenBlasCore_AsksForTheMatchingCoreOnlyWhenTheChoiceIsGeneric(string chosen, string cpuinfo, string? expected) =>
        Assert.Equal(expected, OpenBlasCore.Better(chosen, CpuInfo.Parse(cpuinfo)));

    [Theory]
    [InlineData("Haswell", XeonAvx512, "SkylakeX")] // Zen 5 with OPENBLAS_CORETYPE=Haswell (seen here), or an OpenBLAS older than the CPU
    [InlineData("Zen", XeonAvx512, "SkylakeX")]
    [InlineData("Haswell", EpycAvx2, null)] // nothing wider runs
    [InlineData("SkylakeX", XeonAvx512, null)]
    [InlineData("cooperlake", XeonAvx512, null)]
    [InlineData("SapphireRapids", XeonAvx512, null)]
    [InlineData("Prescott", XeonAvx512, null)] // generic: Better's case, switched without measuring
    public void OpenBlasCore_OffersTheAvx512CoreToMeasure_OnlyAgainstAnAvx2Choice(string chosen, string cpuinfo, string? expected) =>
        Assert.Equal(expected, OpenBlasCore.Wider(chosen, CpuInfo.Parse(cpuinfo)));
}
