using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Kernels.Gemm;
using Xunit.Abstractions;

namespace Sift.Engine.Tests.Kernels.Gemm;

/// <summary>Switching OpenBLAS's core is process-wide: these run alone, after every parallel test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OpenBlasCoreCollection
{
    public const string Name = "OpenBLAS core switching";
}

[Collection(OpenBlasCoreCollection.Name)]
public sealed class OpenBlasCoreSwitchTests(ITestOutputHelper output)
{
    [Fact]
    public void GenericCore_IsReplaced_AndEveryCoreMatchesNaive()
    {
        if (!OpenBlasGemm.TryCreate(2, out OpenBlasGemm? gemm))
        {
            output.WriteLine("SKIPPED: OpenBLAS (libopenblas.so.0) is not installed; apt-get install libopenblas0-pthread.");
            return;
        }
        OpenBlasLibrary lib = OpenBlasLibrary.Instance!;
        string before = lib.CoreName;
        output.WriteLine($"{lib.Config}; default core {lib.DefaultCore}, now {before}; {lib.CoreNote ?? "not switched"}");
        Assert.Null(OpenBlasCore.Better(before, CpuInfo.Current)); // what load left is never generic where better exists
        Assert.True(OpenBlasCore.Wider(before, CpuInfo.Current) is null || lib.CoreNote is not null
            || Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 }, "an AVX2 core on AVX-512 was neither measured nor noted");
        try
        {
            // Simulate an OpenBLAS that does not know this CPU: its generic core, then what Sift switches to.
            Assert.True(lib.TrySetCore("Prescott"), $"could not switch OpenBLAS to Prescott (now {lib.CoreName})");
            GemmConformance.EdgeCases(gemm);
            GemmConformance.AllShapes(gemm, false, true);
            if (OpenBlasCore.Better("Prescott", CpuInfo.Current) is { } better)
            {
                Assert.True(lib.TrySetCore(better), $"could not switch OpenBLAS to {better}");
                Assert.Equal(better, lib.CoreName, ignoreCase: true);
                GemmConformance.EdgeCases(gemm);
                GemmConformance.AllShapes(gemm, true, false);
            }
            // An AVX2 core on an AVX-512 CPU (an OpenBLAS older than the CPU): the AVX-512 core it is measured against.
            if (OpenBlasCore.Wider("Haswell", CpuInfo.Current) is { } wider)
            {
                Assert.True(lib.TrySetCore("Haswell"), $"could not switch OpenBLAS to Haswell (now {lib.CoreName})");
                Assert.True(lib.TrySetCore(wider), $"could not switch OpenBLAS to {wider}");
                GemmConformance.EdgeCases(gemm);
                GemmConformance.AllShapes(gemm, false, false);
                OpenBlasCoreMeasurement m = OpenBlasCoreChoice.Measure(lib, "test", "Haswell", wider);
                output.WriteLine($"Haswell {m.DefaultGflops} vs {wider} {m.WiderGflops} GFLOP/s on one thread: {m.Core}");
                Assert.Equal("Haswell", lib.CoreName, ignoreCase: true); // the measurement leaves the default core loaded
                Assert.True(m.DefaultGflops > 0 && m.WiderGflops > 0);
            }
            else
            {
                output.WriteLine("This CPU has no AVX-512: no wider OpenBLAS core to measure.");
            }
        }
        finally
        {
            Assert.True(lib.TrySetCore(before));
        }
    }
}
