using Sift.Engine.Kernels.Gemm;
using Xunit.Abstractions;

namespace Sift.Engine.Tests.Kernels.Gemm;

public sealed class OpenBlasGemmTests(ITestOutputHelper output)
{
    private OpenBlasGemm? CreateOrSkip(int threads)
    {
        if (OpenBlasGemm.TryCreate(threads, out OpenBlasGemm? gemm))
        {
            return gemm;
        }
        output.WriteLine("SKIPPED: OpenBLAS (libopenblas.so.0) is not installed; apt-get install libopenblas0-pthread.");
        return null;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void AllShapes_MatchNaive(bool transA, bool transB)
    {
        if (CreateOrSkip(1) is { } gemm)
        {
            GemmConformance.AllShapes(gemm, transA, transB);
        }
    }

    [Fact]
    public void EdgeCases_MatchNaive()
    {
        if (CreateOrSkip(2) is { } gemm)
        {
            output.WriteLine(OpenBlasGemm.Config);
            GemmConformance.EdgeCases(gemm);
        }
    }

    [Fact]
    public void TryCreate_AgreesWithIsAvailable_AndKeepsThreadCount()
    {
        bool created = OpenBlasGemm.TryCreate(3, out OpenBlasGemm? gemm);
        Assert.Equal(OpenBlasGemm.IsAvailable, created);
        Assert.Equal(created, OpenBlasGemm.Config is not null);
        if (gemm is not null)
        {
            Assert.Equal(3, gemm.Threads);
            Assert.Equal("openblas", gemm.Name);
        }
    }

    [Fact]
    public unsafe void InvalidStride_ThrowsInsteadOfOpenBlasPrintingAnError()
    {
        if (CreateOrSkip(1) is { } gemm)
        {
            float[] buf = new float[16];
            fixed (float* p = buf)
            {
                float* q = p;
                Assert.Throws<ArgumentOutOfRangeException>(() => gemm.Sgemm(false, false, 2, 2, 2, 1f, q, 1, q, 2, 0f, q, 2));
            }
        }
    }
}
