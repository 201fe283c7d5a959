using Sift.Core;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Gemm;

namespace Sift.Engine.Tests.Kernels.Gemm;

public sealed class GemmFactoryTests
{
    [Fact]
    public void Managed_And_Naive_AreCreatedByName()
    {
        var managed = Assert.IsType<ManagedGemm>(GemmFactory.Create("managed", 3));
        Assert.Equal(3, managed.Threads);
        Assert.IsType<ManagedGemm>(GemmFactory.Create(" Managed ", 1));
        Assert.IsType<NaiveGemm>(GemmFactory.Create("naive", 2));
    }

    [Fact]
    public void Auto_ChoosesPerShape_WhenOpenBlasIsInstalled_ElseManaged()
    {
        IGemm gemm = GemmFactory.Create("auto", 2);
        if (OpenBlasGemm.IsAvailable)
        {
            Assert.IsType<AutoGemm>(gemm);
        }
        else
        {
            Assert.Equal(2, Assert.IsType<ManagedGemm>(gemm).Threads);
        }
    }

    [Fact]
    public void OpenBlas_IsCreated_OrFailsWithInstallHint()
    {
        if (OpenBlasGemm.IsAvailable)
        {
            Assert.Equal(2, Assert.IsType<OpenBlasGemm>(GemmFactory.Create("openblas", 2)).Threads);
        }
        else
        {
            var ex = Assert.Throws<SiftException>(() => GemmFactory.Create("openblas", 2));
            Assert.Contains("libopenblas", ex.Message);
        }
    }

    [Fact]
    public void UnknownName_Or_BadThreadCount_IsAUserError()
    {
        var ex = Assert.Throws<SiftException>(() => GemmFactory.Create("cublas", 1));
        Assert.Contains("'cublas'", ex.Message);
        Assert.Contains("managed", ex.Message);
        var threads = Assert.Throws<SiftException>(() => GemmFactory.Create("managed", 0));
        Assert.Contains("threads", threads.Message);
    }

    [Fact]
    public void Benchmark_ReportsAPositiveRate_AndLeavesTheGemmUsable()
    {
        double gflops = GemmBenchmark.MeasureGflops(new ManagedGemm(1), 33, 17, 40, TimeSpan.FromMilliseconds(5), transB: true);
        Assert.True(double.IsFinite(gflops) && gflops > 0, $"got {gflops}");
    }
}
