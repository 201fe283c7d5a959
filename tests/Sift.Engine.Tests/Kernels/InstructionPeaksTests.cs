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
    public void Measure_FmaAtTheWidestAcceleratedWidth_Bf16OnlyWhereBf16MixedRuns()
    {
        var (bits, fma, dot) = InstructionPeaks.Measure();
        int expected = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 512 : Fma.IsSupported ? 256 : 0;
        Assert.Equal(expected, bits);
        Assert.Equal(bits > 0, fma is > 0);
        Assert.Equal(Bf16Gemm.UnavailableHere() is null, dot is > 0);
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
