using Sift.Engine.Kernels.Gemm;

namespace Sift.Engine.Tests.Kernels.Gemm;

/// <summary>The packed A layout, element by element, for every path (the AVX 6×8 transpose, its scalar tail, the transposed k-row walk, short panels).</summary>
public sealed class GemmPackingTests
{
    [Theory]
    [InlineData(false, 6, 6, 1)]
    [InlineData(false, 6, 6, 8)]
    [InlineData(false, 6, 6, 29)]
    [InlineData(false, 6, 17, 64)]
    [InlineData(false, 12, 25, 19)]
    [InlineData(true, 6, 6, 8)]
    [InlineData(true, 6, 17, 33)]
    [InlineData(true, 12, 25, 19)]
    [InlineData(true, 12, 5, 3)]
    public unsafe void PackA_PlacesEveryElement_AndZeroesRowsPastTheBlock(bool transA, int mr, int mc, int kc)
    {
        const int ic = 3, pc = 2;
        int m = ic + mc + 4, k = pc + kc + 5;
        int lda = (transA ? m : k) + 3;
        float[] a = new float[(transA ? k : m) * lda];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = i + 1;
        }
        int panels = (mc + mr - 1) / mr;
        float[] packed = new float[panels * mr * kc];
        fixed (float* pa = a, pd = packed)
        {
            GemmPacking.PackA(transA, pa, lda, ic, mc, pc, kc, pd, mr);
        }
        for (int q = 0; q < panels; q++)
        {
            for (int p = 0; p < kc; p++)
            {
                for (int r = 0; r < mr; r++)
                {
                    int i = q * mr + r;
                    float expected = i >= mc ? 0f : transA ? a[(pc + p) * lda + ic + i] : a[(ic + i) * lda + pc + p];
                    Assert.True(expected == packed[q * mr * kc + p * mr + r], $"panel {q}, k {p}, row {r}: expected {expected}, got {packed[q * mr * kc + p * mr + r]}");
                }
            }
        }
    }
}
