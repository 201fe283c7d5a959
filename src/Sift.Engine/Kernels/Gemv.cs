using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Sift.Engine.Kernels.Cpu;

namespace Sift.Engine.Kernels;

/// <summary>
/// Skinny matrix product for decoding: y[r, o] (+)= Σ_i x[r, i] · W[o, i] for a handful of rows r
/// (W stored [out, in] as Hugging Face does). Decoding is bound by streaming W from memory, so each weight
/// row is read once and used for every input row while it is in L1; output features are split into
/// contiguous ranges across threads. Each y element is one fixed-order dot product, so results do not
/// depend on the thread count. Reference: any <see cref="IGemm"/> with transB (tests use <see cref="NaiveGemm"/>).
/// </summary>
public static unsafe class Gemv
{
    /// <summary>Largest row count the decode path sends here instead of a GEMM.</summary>
    public const int MaxRows = 4;

    /// <summary>Below this many weights per call the work runs on one thread.</summary>
    private const long ParallelThreshold = 1 << 16;

    /// <summary>y[rows, outDim] = x[rows, inDim] · Wᵀ (+ y when <paramref name="accumulate"/>).</summary>
    public static void Forward(float* y, float* x, float* w, int rows, int inDim, int outDim, bool accumulate, int threads) =>
        Forward(y, x, w, rows, inDim, outDim, accumulate, threads, SimdPath.Width);

    /// <summary>The same at a given vector width (tests run each; results differ between widths only in summation order).</summary>
    internal static void Forward(float* y, float* x, float* w, int rows, int inDim, int outDim, bool accumulate, int threads, SimdWidth width)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, MaxRows);
        int th = (long)inDim * outDim < ParallelThreshold ? 1 : threads;
        // Chunks of 64 output features keep the ranges cache-line aligned and the split thread-count independent.
        int blocks = (outDim + 63) / 64;
        var a = new Args { Y = y, X = x, W = w, Rows = rows, In = inDim, Out = outDim, Accumulate = accumulate, Width = Effective(width) };
        Par.For(blocks, th, &a, &Blocks);
    }

    private struct Args
    {
        public float* Y, X, W;
        public int Rows, In, Out;
        public bool Accumulate;
        public SimdWidth Width;
    }

    /// <summary>The width a request runs at: 256-bit paths need AVX2 (else scalar); 512-bit runs in software where not accelerated.</summary>
    internal static SimdWidth Effective(SimdWidth width) => width == SimdWidth.V256 && !Vector256.IsHardwareAccelerated ? SimdWidth.Scalar : width;

    private static void Blocks(Args* a, int s, int e)
    {
        int inDim = a->In, outDim = a->Out;
        int o1 = Math.Min(outDim, e * 64);
        for (int o = s * 64; o < o1; o++)
        {
            float* wr = a->W + (long)o * inDim;
            for (int r = 0; r < a->Rows; r++)
            {
                float v = Dot4(new F32Row(wr), a->X + (long)r * inDim, inDim, a->Width);
                float* dst = a->Y + (long)r * outDim + o;
                *dst = a->Accumulate ? *dst + v : v;
            }
        }
    }

    /// <summary>
    /// Σ w[i]·x[i] with four accumulators of the width's lanes (enough loads in flight to stream from memory), for
    /// float32 rows and widened 16-bit rows alike (<see cref="Gemv16"/>), so both sum in the same order.
    /// </summary>
    internal static float Dot4<TRow>(TRow w, float* x, int n, SimdWidth width)
        where TRow : struct, IWeightRow
    {
        int i = 0;
        float s = 0;
        if (width == SimdWidth.V512 && n >= 64)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= n - 64; i += 64)
            {
                a0 = Vector512.FusedMultiplyAdd(w.Load16(i), Vector512.Load(x + i), a0);
                a1 = Vector512.FusedMultiplyAdd(w.Load16(i + 16), Vector512.Load(x + i + 16), a1);
                a2 = Vector512.FusedMultiplyAdd(w.Load16(i + 32), Vector512.Load(x + i + 32), a2);
                a3 = Vector512.FusedMultiplyAdd(w.Load16(i + 48), Vector512.Load(x + i + 48), a3);
            }
            for (; i <= n - 16; i += 16)
            {
                a0 = Vector512.FusedMultiplyAdd(w.Load16(i), Vector512.Load(x + i), a0);
            }
            s = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        else if (width != SimdWidth.Scalar && n >= 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= n - 32; i += 32)
            {
                a0 = Vec.MulAdd(w.Load8(i), Vector256.Load(x + i), a0);
                a1 = Vec.MulAdd(w.Load8(i + 8), Vector256.Load(x + i + 8), a1);
                a2 = Vec.MulAdd(w.Load8(i + 16), Vector256.Load(x + i + 16), a2);
                a3 = Vec.MulAdd(w.Load8(i + 24), Vector256.Load(x + i + 24), a3);
            }
            for (; i <= n - 8; i += 8)
            {
                a0 = Vec.MulAdd(w.Load8(i), Vector256.Load(x + i), a0);
            }
            s = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
        for (; i < n; i++)
        {
            s += w.At(i) * x[i];
        }
        return s;
    }
}

/// <summary>One weight row as <see cref="Gemv.Dot4"/> reads it: float32 values, 16 or 8 at a time, or one.</summary>
internal unsafe interface IWeightRow
{
    Vector512<float> Load16(int i);

    Vector256<float> Load8(int i);

    float At(int i);
}

/// <summary>A float32 weight row.</summary>
internal readonly unsafe struct F32Row(float* p) : IWeightRow
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Load16(int i) => Vector512.Load(p + i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Load8(int i) => Vector256.Load(p + i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float At(int i) => p[i];
}

/// <summary>A 16-bit weight row, widened by <typeparamref name="TW"/> as it is read.</summary>
internal readonly unsafe struct WidenedRow<TW>(ushort* p) : IWeightRow
    where TW : struct, IWiden
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector512<float> Load16(int i) => TW.Load16(p + i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public Vector256<float> Load8(int i) => TW.Load8(p + i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public float At(int i) => TW.Scalar(p[i]);
}
