using Sift.Engine.Kernels;

namespace Sift.Engine.Tests.Kernels.Gemm;

/// <summary>The correctness suite every fast IGemm must pass against <see cref="NaiveGemm"/>.</summary>
internal static class GemmConformance
{
    public static readonly int[] Sizes = [1, 2, 5, 6, 7, 15, 16, 17, 33, 100, 257];

    private static readonly (float Alpha, float Beta)[] Scalings = [(1f, 0f), (1f, 1f), (-0.5f, 2f), (2.5f, -0.75f), (1f, 0.5f)];

    /// <summary>Every (m, n, k) in Sizes³ for one transpose combination, cycling alpha/beta and strides.</summary>
    public static void AllShapes(IGemm gemm, bool transA, bool transB)
    {
        int index = 0;
        foreach (int m in Sizes)
        {
            foreach (int n in Sizes)
            {
                foreach (int k in Sizes)
                {
                    var (alpha, beta) = Scalings[index % Scalings.Length];
                    int pad = index % 3 == 0 ? 3 : 0;
                    var g = GemmCase.Create(index, transA, transB, m, n, k, alpha, beta, pad, 2 * pad, pad + 1);
                    g.AssertMatchesNaive(g.Run(gemm), gemm.Name);
                    index++;
                }
            }
        }
    }

    /// <summary>Wide strides, NaN in C with beta = 0, k = 0, alpha = 0, and shapes past every block size.</summary>
    public static void EdgeCases(IGemm gemm)
    {
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                Check(gemm, GemmCase.Create(1, ta, tb, 1, 1, 1));
                Check(gemm, GemmCase.Create(2, ta, tb, 37, 45, 29, 1f, 0f, 61, 17, 100));
                Check(gemm, GemmCase.Create(3, ta, tb, 50, 70, 300, 0.75f, 0f, nanC: true));
                Check(gemm, GemmCase.Create(4, ta, tb, 20, 30, 0, 1f, 0f, nanC: true));
                Check(gemm, GemmCase.Create(5, ta, tb, 20, 30, 0, 1f, -2f));
                Check(gemm, GemmCase.Create(6, ta, tb, 20, 30, 40, 0f, 0.5f));
                Check(gemm, GemmCase.Create(7, ta, tb, 130, 2100, 3, 1f, 1f, 1, 1, 5));
                Check(gemm, GemmCase.Create(8, ta, tb, 250, 40, 600, -1f, 0.25f));
                Check(gemm, GemmCase.Create(9, ta, tb, 3, 1000, 64, 1f, 0f));
            }
        }
    }

    private static void Check(IGemm gemm, GemmCase g)
    {
        float[] c = g.Run(gemm);
        g.AssertMatchesNaive(c, gemm.Name);
        if (g.Beta == 0)
        {
            for (int i = 0; i < g.M; i++)
            {
                for (int j = 0; j < g.N; j++)
                {
                    Assert.True(float.IsFinite(c[i * g.Ldc + j]), $"{gemm.Name} {g.Describe()}: C[{i},{j}] not finite");
                }
            }
        }
    }
}
