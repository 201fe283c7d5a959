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

    [Theory]
    [InlineData(2, false, false)]
    [InlineData(2, true, true)]
    [InlineData(3, false, true)]
    [InlineData(3, true, false)]
    public void AllShapes_Sliced_MatchNaive(int threads, bool transA, bool transB)
    {
        if (CreateOrSkip(threads) is { } gemm)
        {
            GemmConformance.AllShapes(gemm, transA, transB);
        }
    }

    [Theory]
    [InlineData(1, 1000, 1000, 1000, 1)]
    [InlineData(2, 100, 100, 10, 1)]
    [InlineData(2, 64, 64, 64, 2)]
    [InlineData(3, 8192, 384, 1024, 3)]
    [InlineData(3, 20, 32, 1024, 2)]
    [InlineData(4, 16, 16, 2048, 1)]
    public void SliceCount_IsTheThreads_CappedBySixteenWideUnits_AndOneWhenSmall(int threads, int m, int n, int k, int expected) =>
        Assert.Equal(expected, OpenBlasGemm.SliceCount(m, n, k, threads));

    [Theory]
    [InlineData(false, false, 700, 90, 300)]
    [InlineData(true, true, 700, 90, 300)]
    [InlineData(false, true, 90, 700, 300)]
    [InlineData(true, false, 90, 700, 300)]
    public void Sliced_RowsOrColumns_MatchNaive_AndRepeatBitIdentically(bool transA, bool transB, int m, int n, int k)
    {
        if (CreateOrSkip(3) is { } gemm)
        {
            var g = GemmCase.Create(11, transA, transB, m, n, k, 0.5f, 0.25f, 2, 3, 1);
            float[] first = g.Run(gemm);
            g.AssertMatchesNaive(first, gemm.Name);
            Assert.Equal(first, g.Run(gemm));
        }
    }

    [Fact]
    public void CalledInsideALoopBody_RunsOnTheCallingThread_AndMatchesNaive()
    {
        if (CreateOrSkip(2) is { } gemm)
        {
            var cases = Enumerable.Range(0, 4).Select(i => GemmCase.Create(20 + i, i % 2 == 1, i / 2 == 1, 300, 200, 100)).ToArray();
            var results = new float[cases.Length][];
            Sift.Engine.Kernels.Par.ForEach(cases.Length, 2, i => results[i] = cases[i].Run(gemm));
            for (int i = 0; i < cases.Length; i++)
            {
                cases[i].AssertMatchesNaive(results[i], gemm.Name);
            }
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
