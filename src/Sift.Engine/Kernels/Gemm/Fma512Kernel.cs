using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// AVX-512 kernel: a 12×32 tile in 24 Vector512 accumulators; per k 2 B loads, 12 broadcasts, 24 FMAs
/// (BLIS's Skylake-X shape, transposed to row-major). Vector512.FusedMultiplyAdd is one fused rounding per
/// element on every CPU (emulated, slowly, where Vector512 is not accelerated), so this kernel gives the same
/// bits as <see cref="Fma256Kernel"/> for the same Kc.
/// </summary>
internal readonly unsafe struct Fma512Kernel : IMicroKernel
{
    public static int MR => 12;

    public static int NR => 32;

    public static void Run(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha, float beta)
    {
        TileStore.Prefetch(c, ldc, mr, 32 * sizeof(float));
        Vector512<float> c000 = default, c001 = default, c010 = default, c011 = default, c020 = default, c021 = default;
        Vector512<float> c030 = default, c031 = default, c040 = default, c041 = default, c050 = default, c051 = default;
        Vector512<float> c060 = default, c061 = default, c070 = default, c071 = default, c080 = default, c081 = default;
        Vector512<float> c090 = default, c091 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> ar;
            ar = Vector512.Create(a[0]);
            c000 = Vector512.FusedMultiplyAdd(ar, b0, c000);
            c001 = Vector512.FusedMultiplyAdd(ar, b1, c001);
            ar = Vector512.Create(a[1]);
            c010 = Vector512.FusedMultiplyAdd(ar, b0, c010);
            c011 = Vector512.FusedMultiplyAdd(ar, b1, c011);
            ar = Vector512.Create(a[2]);
            c020 = Vector512.FusedMultiplyAdd(ar, b0, c020);
            c021 = Vector512.FusedMultiplyAdd(ar, b1, c021);
            ar = Vector512.Create(a[3]);
            c030 = Vector512.FusedMultiplyAdd(ar, b0, c030);
            c031 = Vector512.FusedMultiplyAdd(ar, b1, c031);
            ar = Vector512.Create(a[4]);
            c040 = Vector512.FusedMultiplyAdd(ar, b0, c040);
            c041 = Vector512.FusedMultiplyAdd(ar, b1, c041);
            ar = Vector512.Create(a[5]);
            c050 = Vector512.FusedMultiplyAdd(ar, b0, c050);
            c051 = Vector512.FusedMultiplyAdd(ar, b1, c051);
            ar = Vector512.Create(a[6]);
            c060 = Vector512.FusedMultiplyAdd(ar, b0, c060);
            c061 = Vector512.FusedMultiplyAdd(ar, b1, c061);
            ar = Vector512.Create(a[7]);
            c070 = Vector512.FusedMultiplyAdd(ar, b0, c070);
            c071 = Vector512.FusedMultiplyAdd(ar, b1, c071);
            ar = Vector512.Create(a[8]);
            c080 = Vector512.FusedMultiplyAdd(ar, b0, c080);
            c081 = Vector512.FusedMultiplyAdd(ar, b1, c081);
            ar = Vector512.Create(a[9]);
            c090 = Vector512.FusedMultiplyAdd(ar, b0, c090);
            c091 = Vector512.FusedMultiplyAdd(ar, b1, c091);
            ar = Vector512.Create(a[10]);
            c100 = Vector512.FusedMultiplyAdd(ar, b0, c100);
            c101 = Vector512.FusedMultiplyAdd(ar, b1, c101);
            ar = Vector512.Create(a[11]);
            c110 = Vector512.FusedMultiplyAdd(ar, b0, c110);
            c111 = Vector512.FusedMultiplyAdd(ar, b1, c111);
            a += 12;
            b += 32;
        }

        if (mr == 12 && nr == 32)
        {
            Vector512<float> va = Vector512.Create(alpha);
            StoreRow(c, c000, c001, va, beta);
            StoreRow(c + ldc, c010, c011, va, beta);
            StoreRow(c + 2 * ldc, c020, c021, va, beta);
            StoreRow(c + 3 * ldc, c030, c031, va, beta);
            StoreRow(c + 4 * ldc, c040, c041, va, beta);
            StoreRow(c + 5 * ldc, c050, c051, va, beta);
            StoreRow(c + 6 * ldc, c060, c061, va, beta);
            StoreRow(c + 7 * ldc, c070, c071, va, beta);
            StoreRow(c + 8 * ldc, c080, c081, va, beta);
            StoreRow(c + 9 * ldc, c090, c091, va, beta);
            StoreRow(c + 10 * ldc, c100, c101, va, beta);
            StoreRow(c + 11 * ldc, c110, c111, va, beta);
            return;
        }

        float* tile = stackalloc float[12 * 32];
        c000.Store(tile + 0);
        c001.Store(tile + 16);
        c010.Store(tile + 32);
        c011.Store(tile + 48);
        c020.Store(tile + 64);
        c021.Store(tile + 80);
        c030.Store(tile + 96);
        c031.Store(tile + 112);
        c040.Store(tile + 128);
        c041.Store(tile + 144);
        c050.Store(tile + 160);
        c051.Store(tile + 176);
        c060.Store(tile + 192);
        c061.Store(tile + 208);
        c070.Store(tile + 224);
        c071.Store(tile + 240);
        c080.Store(tile + 256);
        c081.Store(tile + 272);
        c090.Store(tile + 288);
        c091.Store(tile + 304);
        c100.Store(tile + 320);
        c101.Store(tile + 336);
        c110.Store(tile + 352);
        c111.Store(tile + 368);
        TileStore.Edge(tile, 32, c, ldc, mr, nr, alpha, beta, fused: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* dst, Vector512<float> acc0, Vector512<float> acc1, Vector512<float> alpha, float beta)
    {
        if (beta == 0)
        {
            (acc0 * alpha).Store(dst);
            (acc1 * alpha).Store(dst + 16);
        }
        else if (beta == 1)
        {
            Vector512.FusedMultiplyAdd(acc0, alpha, Vector512.Load(dst)).Store(dst);
            Vector512.FusedMultiplyAdd(acc1, alpha, Vector512.Load(dst + 16)).Store(dst + 16);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Vector512.FusedMultiplyAdd(acc0, alpha, Vector512.Load(dst) * vb).Store(dst);
            Vector512.FusedMultiplyAdd(acc1, alpha, Vector512.Load(dst + 16) * vb).Store(dst + 16);
        }
    }
}
