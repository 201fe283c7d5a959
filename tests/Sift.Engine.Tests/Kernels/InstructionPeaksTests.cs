using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Bf16Mixed;
using Xunit.Abstractions;

namespace Sift.Engine.Tests.Kernels;

/// <summary>The instruction peaks `sift bench --phases square` reports: the width follows the CPU, bf16 only where it runs.</summary>
public sealed class InstructionPeaksTests(ITestOutputHelper output)
{
    [Fact]
    public void Fp32Fma_MeasuresTheWidestAcceleratedWidth()
    {
        var (bits, gflops) = InstructionPeaks.Fp32Fma();
        int expected = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 512 : Fma.IsSupported ? 256 : 0;
        Assert.Equal(expected, bits);
        Assert.Equal(bits > 0, gflops is > 0);
    }

    [Fact]
    public void Bf16Dot_RunsOnlyWhereBf16MixedCan()
    {
        double? peak = InstructionPeaks.Bf16Dot();
        Assert.Equal(Bf16Gemm.UnavailableHere() is null, peak is > 0);
    }

    [Fact]
    public unsafe void NativeDotPeak_ReturnsTheFlopsItRan()
    {
        if (Bf16Gemm.UnavailableHere() is { } why)
        {
            output.WriteLine($"skipped: {why}");
            return;
        }
        var peak = Bf16Library.Instance!.DotPeak;
        Assert.Equal(1000 * 24.0 * 64, peak(1000)); // 24 chains of 16 lanes × 2 products × multiply-add
        Assert.Equal(0, peak(0));
    }
}
