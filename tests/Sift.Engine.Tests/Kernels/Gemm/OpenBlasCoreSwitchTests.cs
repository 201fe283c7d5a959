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
        }
        finally
        {
            Assert.True(lib.TrySetCore(before));
        }
    }
}
