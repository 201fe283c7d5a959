using Sift.Engine.Kernels.Gemm;

namespace Sift.Engine.Kernels.Bf16Mixed;

/// <summary>
/// Causal attention's products under bf16-mixed (native sift_bf16_causal): A and B rounded to bf16 while packed,
/// as <see cref="Bf16Gemm"/>, products summed in float32 by VDPBF16PS on 12×32 tiles; one head on the calling
/// thread, so results do not depend on the thread count. Callers check <see cref="Bf16Gemm.UnavailableHere"/> first
/// (a bf16-mixed <see cref="Compute"/> is only built where it is null).
/// </summary>
internal readonly unsafe struct Bf16CausalGemm : ICausalProducts
{
    /// <summary>bf16gemm.c's MR and NR.</summary>
    public static int RowTile => 12;

    public static int ColumnTile => 32;

    private static Bf16Library Lib => Bf16Library.Instance
        ?? throw new InvalidOperationException(Bf16Gemm.UnavailableHere() ?? "the native bf16 kernel is not loaded");

    public static long PackedFloats(int k, int n) => Lib.PackedWords(k, n);

    public static void Pack(bool transB, float* b, int ldb, int k, int n, float* dst) =>
        Lib.PackB(transB ? 1 : 0, b, ldb, k, n, (uint*)dst);

    public static void Run(CausalPattern pattern, bool transA, float* a, int lda, int m, int n, int k,
        float* packedB, float alpha, float beta, float* c, int ldc, float* aPanel)
    {
        if (Lib.Causal((int)pattern, transA ? 1 : 0, m, n, k, alpha, a, lda, (uint*)packedB, beta, c, ldc) != 0)
        {
            throw new OutOfMemoryException("bf16 attention: the native kernel could not allocate its packing buffer");
        }
    }
}
