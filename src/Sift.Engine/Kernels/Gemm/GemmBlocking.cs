namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// Cache-blocking sizes of the packed GEMM: a kc×NR B panel stays in L1, an mc×kc A block in L2, a kc×nc B
/// block in L3. Only Kc changes the summation order (partial sums are written to C per Kc block); Mc and Nc
/// only change which thread computes what, never the result.
/// </summary>
internal readonly record struct GemmBlocking(int Kc, int Mc, int Nc)
{
    /// <summary>Zen 3 tuned for the 6×16 kernel (24 KiB of panels per k-block in L1, 120 KiB of A in L2, 2 MiB of B in L3); Mc and Nc are multiples of both kernels' tiles.</summary>
    public static GemmBlocking Default { get; } = new(256, 120, 2048);

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
