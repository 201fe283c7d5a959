using Sift.Engine.Kernels;

namespace Sift.Engine;

/// <summary>
/// Where kernels run: the GEMM implementation and the thread count for the element-wise kernels.
/// Results are deterministic for a fixed (Gemm, Threads) pair.
/// </summary>
/// <param name="Gemm">Matrix multiply used for every projection.</param>
/// <param name="Threads">Threads for the non-GEMM kernels (attention, norms, loss).</param>
public sealed record Compute(IGemm Gemm, int Threads)
{
    /// <summary>
    /// Attention's causal products (Q·Kᵀ, P·V and their backward) on bf16 inputs with float32 sums (bf16-mixed
    /// training); softmax and everything around it stay float32. Only set where bf16-mixed can run.
    /// </summary>
    public bool Bf16Attention { get; init; }

    /// <summary>Single-threaded naive compute (tests and gradient checks).</summary>
    public static Compute Reference { get; } = new(new NaiveGemm(), 1);
}
