using System.Runtime.Intrinsics;
using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Model;

namespace Sift.Engine.Kernels;

/// <summary>
/// <see cref="Gemv"/> over weights resident in 16 bits: y[r, o] (+)= Σ_i x[r, i] · widen(W[o, i]), widened in
/// registers and accumulated in float32. Decoding streams W once per token, so reading 2 bytes per weight instead
/// of 4 halves the memory traffic that bounds it. Same split and fixed-order sums as <see cref="Gemv"/>: results
/// do not depend on the thread count. Reference: widen W to float32 and run <see cref="Gemv"/>.
/// </summary>
public static unsafe class Gemv16
{
    private const long ParallelThreshold = 1 << 16;

    /// <summary>y[rows, outDim] = x[rows, inDim] · widen(W)ᵀ (+ y when <paramref name="accumulate"/>); W is [outDim, inDim].</summary>
    public static void Forward(float* y, float* x, ushort* w, WeightFormat format, int rows, int inDim, int outDim, bool accumulate, int threads) =>
        Forward(y, x, w, format, rows, inDim, outDim, accumulate, threads, SimdPath.Width);

    /// <summary>The same at a given vector width; bit-identical to <see cref="Gemv"/> over the widened weights at that width.</summary>
    internal static void Forward(float* y, float* x, ushort* w, WeightFormat format, int rows, int inDim, int outDim, bool accumulate, int threads, SimdWidth width)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, Gemv.MaxRows);
        int th = (long)inDim * outDim < ParallelThreshold ? 1 : threads;
        int blocks = (outDim + 63) / 64;
        // The 8-lane widening uses AVX2 instructions directly, so without AVX2 the 256-bit request runs scalar.
        var eff = width == SimdWidth.V256 && !Widen.Vectorised ? SimdWidth.Scalar : Gemv.Effective(width);
        var a = new Args { Y = y, X = x, W = w, Rows = rows, In = inDim, Out = outDim, Accumulate = accumulate, Width = eff };
        switch (format)
        {
            case WeightFormat.BF16:
                Par.For(blocks, th, &a, &Blocks<Bf16>);
                break;
            case WeightFormat.F16:
                Par.For(blocks, th, &a, &Blocks<F16>);
                break;
            default:
                throw new ArgumentException($"Gemv16 takes BF16 or F16 weights, got {format}", nameof(format));
        }
    }

    private struct Args
    {
        public float* Y, X;
        public ushort* W;
        public int Rows, In, Out;
        public bool Accumulate;
        public SimdWidth Width;
    }

    private static void Blocks<TW>(Args* a, int s, int e)
        where TW : struct, IWiden
    {
        int inDim = a->In, outDim = a->Out;
        int o1 = Math.Min(outDim, e * 64);
        for (int o = s * 64; o < o1; o++)
        {
            ushort* wr = a->W + (long)o * inDim;
            for (int r = 0; r < a->Rows; r++)
            {
                float v = Dot4<TW>(wr, a->X + (long)r * inDim, inDim, a->Width);
                float* dst = a->Y + (long)r * outDim + o;
                *dst = a->Accumulate ? *dst + v : v;
            }
        }
    }

    /// <summary>Σ widen(w[i])·x[i] with four accumulators, in <see cref="Gemv"/>'s order for the width.</summary>
    private static float Dot4<TW>(ushort* w, float* x, int n, SimdWidth width)
        where TW : struct, IWiden
    {
        int i = 0;
        float s = 0;
        if (width == SimdWidth.V512 && n >= 64)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= n - 64; i += 64)
            {
                a0 = Vector512.FusedMultiplyAdd(TW.Load16(w + i), Vector512.Load(x + i), a0);
                a1 = Vector512.FusedMultiplyAdd(TW.Load16(w + i + 16), Vector512.Load(x + i + 16), a1);
                a2 = Vector512.FusedMultiplyAdd(TW.Load16(w + i + 32), Vector512.Load(x + i + 32), a2);
                a3 = Vector512.FusedMultiplyAdd(TW.Load16(w + i + 48), Vector512.Load(x + i + 48), a3);
            }
            for (; i <= n - 16; i += 16)
            {
                a0 = Vector512.FusedMultiplyAdd(TW.Load16(w + i), Vector512.Load(x + i), a0);
            }
            s = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        else if (width != SimdWidth.Scalar && n >= 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= n - 32; i += 32)
            {
                a0 = Vec.MulAdd(TW.Load8(w + i), Vector256.Load(x + i), a0);
                a1 = Vec.MulAdd(TW.Load8(w + i + 8), Vector256.Load(x + i + 8), a1);
                a2 = Vec.MulAdd(TW.Load8(w + i + 16), Vector256.Load(x + i + 16), a2);
                a3 = Vec.MulAdd(TW.Load8(w + i + 24), Vector256.Load(x + i + 24), a3);
            }
            for (; i <= n - 8; i += 8)
            {
                a0 = Vec.MulAdd(TW.Load8(w + i), Vector256.Load(x + i), a0);
            }
            s = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
        for (; i < n; i++)
        {
            s += TW.Scalar(w[i]) * x[i];
        }
        return s;
    }
}
