namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// Cache-blocking sizes of the packed GEMM: a kc×NR B panel stays in L1, an mc×kc A block in L2, a kc×nc B
/// block in L3. Only Kc changes the summation order (partial sums are written to C per Kc block); Mc and Nc
/// only change which thread computes what, never the result.
/// </summary>
internal readonly record struct GemmBlocking(int Kc, int Mc, int Nc)
{
    /// <summary>
    /// Kc 256 (Zen 3 tuned for the 6×16 kernel, as BLIS's Haswell and Zen 3 sgemm: 24 KiB of panels per k-block in L1)
    /// or, on CPUs with AVX-512, Kc 512: AVX-512 cores have at least 1 MiB of L2 and stream the larger B panel from it,
    /// and on Zen 4 Kc 512 ran the `small` model's 15 GEMM shapes 6% faster on one thread (99.0 against 93.4 GFLOP/s)
    /// and 4-8% faster on two (README, engine speed). 120 rows of A (240 KiB at Kc 512) stay in L2, 2048 columns of B
    /// in L3; Mc and Nc are multiples of both kernels' tiles. Kc sets the summation order, so it is fixed per CPU kind
    /// (never measured): results differ between an AVX2 and an AVX-512 machine in the last bits, as the losses do.
    /// </summary>
    public static GemmBlocking Default { get; } = ForCpu(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated);

    /// <summary>The default blocking on a CPU with (true) or without accelerated 512-bit vectors.</summary>
    internal static GemmBlocking ForCpu(bool avx512) => new(avx512 ? 512 : 256, 120, 2048);

    /// <summary>Throws unless Kc, Mc and Nc are positive.</summary>
    public GemmBlocking Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Kc, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Mc, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Nc, 1);
        return this;
    }

    /// <summary>The blocking for a kernel's tile: Mc and Nc rounded up to multiples of MR and NR (Kc, and so the bits, unchanged).</summary>
    public GemmBlocking ForTile(int mr, int nr) =>
        new(Kc, GemmDriver.RoundUp(Mc, mr), GemmDriver.RoundUp(Nc, nr));
}
