namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// Cache-blocking sizes of the packed GEMM: a kc×16 B panel stays in L1, an mc×kc A block in L2, a kc×nc B
/// block in L3. Only Kc changes the summation order (partial sums are written to C per Kc block); Mc and Nc
/// only change which thread computes what, never the result.
/// </summary>
internal readonly record struct GemmBlocking(int Kc, int Mc, int Nc)
{
    /// <summary>Zen 3 tuned: 24 KiB of panels per k-block in L1, 120 KiB of A in L2, 2 MiB of B in L3.</summary>
    public static GemmBlocking Default { get; } = new(256, 120, 2048);

    /// <summary>Throws unless Kc ≥ 1, Mc is a positive multiple of 6 and Nc a positive multiple of 16.</summary>
    public GemmBlocking Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Kc, 1);
        if (Mc < ManagedGemm.MR || Mc % ManagedGemm.MR != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Mc), Mc, $"must be a positive multiple of {ManagedGemm.MR}");
        }
        if (Nc < ManagedGemm.NR || Nc % ManagedGemm.NR != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Nc), Nc, $"must be a positive multiple of {ManagedGemm.NR}");
        }
        return this;
    }
}
