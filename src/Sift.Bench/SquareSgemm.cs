using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Bf16Mixed;
using Sift.Engine.Kernels.Gemm;

namespace Sift.Bench;

/// <summary>
/// The machine's best large-square sgemm: OpenBLAS (when installed, with the core it runs) and the managed kernel,
/// each at <see cref="Size"/>³ for <see cref="Budget"/>, best call kept. Training GFLOP/s is judged against the
/// better of the two, not against whichever backend the run used.
/// </summary>
public static class SquareSgemm
{
    /// <summary>m = n = k.</summary>
    public const int Size = 2048;

    /// <summary>Timing budget per backend.</summary>
    public static TimeSpan Budget { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Best GFLOP/s per available backend at <paramref name="threads"/> threads.</summary>
    public static IReadOnlyList<(string Backend, double Gflops)> Measure(int threads)
    {
        var result = new List<(string, double)>();
        var backends = new List<IGemm>();
        if (OpenBlasGemm.TryCreate(threads, out OpenBlasGemm? blas))
        {
            backends.Add(blas);
        }
        backends.Add(new ManagedGemm(threads));
        foreach (var g in backends)
        {
            result.Add((g.Name, GemmBenchmark.MeasureGflops(g, Size, Size, Size, Budget)));
        }
        return result;
    }

    /// <summary>The bf16-mixed kernel at the same size and budget; null where bf16-mixed cannot run here.</summary>
    public static double? MeasureBf16(int threads) =>
        Bf16Gemm.UnavailableHere() is null ? GemmBenchmark.MeasureGflops(Bf16Gemm.Create(threads), Size, Size, Size, Budget) : null;
}
