namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// The products of causal attention at one precision: B packed once per head, then C = alpha·op(A)·B + beta·C over
/// a <see cref="CausalPattern"/>, single-threaded. <see cref="CausalGemm.Fp32"/> (fp32, the managed micro-kernel) and
/// <c>Bf16CausalGemm</c> (bf16 inputs, fp32 sums; bf16-mixed training) implement it, so attention is written once.
/// </summary>
internal unsafe interface ICausalProducts
{
    /// <summary>Rows of A per panel: a lower-output row block writes columns up to its last row rounded up to <see cref="ColumnTile"/>.</summary>
    static abstract int RowTile { get; }

    /// <summary>Columns of C per tile.</summary>
    static abstract int ColumnTile { get; }

    /// <summary>Floats (4-byte words) of a packed op(B) [k, n].</summary>
    static abstract long PackedFloats(int k, int n);

    /// <summary>Packs op(B) [k, n] (op = transpose when <paramref name="transB"/>) into <paramref name="dst"/> (64-byte aligned).</summary>
    static abstract void Pack(bool transB, float* b, int ldb, int k, int n, float* dst);

    /// <summary>C[m, n] (+)= alpha·op(A)[m, k]·packed B over <paramref name="pattern"/>; <paramref name="aPanel"/> holds <see cref="RowTile"/>·k floats of scratch.</summary>
    static abstract void Run(CausalPattern pattern, bool transA, float* a, int lda, int m, int n, int k,
        float* packedB, float alpha, float beta, float* c, int ldc, float* aPanel);
}
