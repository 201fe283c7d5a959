using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Sift.Engine.Kernels.Cpu;
using Sift.Engine.Model;

namespace Sift.Engine.Kernels;

/// <summary>
/// <see cref="Gemv"/> over weights resident in 16 bits: y[r, o] (+)= Σ_i x[r, i] · widen(W[o, i]), widened in
/// registers and accumulated in float32. Decoding streams W once per token, so reading 2 bytes per weight instead
/// of 4 halves the memory traffic that bounds it. Same split as <see cref="Gemv"/> and fixed-order sums: results
/// do not depend on the thread count. Reference: widen W to float32 and run <see cref="Gemv"/> (bit-identical, except
/// bf16 at 512 bits, which sums even and odd inputs apart: see <see cref="DotPairs"/>).
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
            case WeightFormat.BF16 when eff == SimdWidth.V512 && inDim >= PairChunk:
                a.Split = SplitInputs(x, rows, inDim);
                Par.For(blocks, th, &a, &PairBlocks);
                break;
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

    /// <summary>Inputs per step of the bf16 pair path: one 64-byte load of 32 weights.</summary>
    private const int PairChunk = 32;

    [ThreadStatic]
    private static float* t_split;

    [ThreadStatic]
    private static long t_splitCapacity;

    private struct Args
    {
        public float* Y, X, Split;
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
                float v = Gemv.Dot4(new WidenedRow<TW>(wr), a->X + (long)r * inDim, inDim, a->Width);
                float* dst = a->Y + (long)r * outDim + o;
                *dst = a->Accumulate ? *dst + v : v;
            }
        }
    }

    /// <summary>
    /// Each row's first ⌊inDim/32⌋·32 inputs as [even-indexed | odd-indexed] halves, in a per-thread buffer that is
    /// kept (decoding calls this for every projection of every token, so it must not allocate).
    /// </summary>
    private static float* SplitInputs(float* x, int rows, int inDim)
    {
        int nv = inDim / PairChunk * PairChunk, h = nv / 2;
        long need = (long)rows * nv;
        if (t_splitCapacity < need)
        {
            NativeMemory.AlignedFree(t_split);
            t_split = (float*)NativeMemory.AlignedAlloc((nuint)(need * sizeof(float)), 64);
            t_splitCapacity = need;
        }
        for (int r = 0; r < rows; r++)
        {
            float* src = x + (long)r * inDim, even = t_split + (long)r * nv, odd = even + h;
            for (int j = 0; j < h; j++)
            {
                even[j] = src[2 * j];
                odd[j] = src[2 * j + 1];
            }
        }
        return t_split;
    }

    private static void PairBlocks(Args* a, int s, int e)
    {
        int inDim = a->In, outDim = a->Out, nv = inDim / PairChunk * PairChunk;
        int o1 = Math.Min(outDim, e * 64);
        for (int o = s * 64; o < o1; o++)
        {
            ushort* wr = a->W + (long)o * inDim;
            for (int r = 0; r < a->Rows; r++)
            {
                float* even = a->Split + (long)r * nv;
                float v = DotPairs(wr, even, even + nv / 2, a->X + (long)r * inDim, inDim);
                float* dst = a->Y + (long)r * outDim + o;
                *dst = a->Accumulate ? *dst + v : v;
            }
        }
    }

    /// <summary>
    /// Σ widen(w[i])·x[i] for bf16 without a widening shuffle: a 32-bit lane holds two bf16 weights, so the even one
    /// is the lane shifted left 16 and the odd one the lane with its low half cleared. Multiplied against the inputs
    /// split the same way (<see cref="SplitInputs"/>), that is 7 instructions per 32 weights instead of 10, which lets
    /// one core keep up with memory. Fixed order: accumulators (even, odd) × 2, then the scalar tail.
    /// </summary>
    private static float DotPairs(ushort* w, float* even, float* odd, float* x, int n)
    {
        var high = Vector512.Create(0xFFFF0000u);
        Vector512<float> e0 = default, o0 = default, e1 = default, o1 = default;
        int i = 0, j = 0;
        for (; i <= n - 2 * PairChunk; i += 2 * PairChunk, j += PairChunk)
        {
            var u0 = Vector512.Load((uint*)(w + i));
            var u1 = Vector512.Load((uint*)(w + i + PairChunk));
            e0 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(u0, 16).AsSingle(), Vector512.Load(even + j), e0);
            o0 = Vector512.FusedMultiplyAdd((u0 & high).AsSingle(), Vector512.Load(odd + j), o0);
            e1 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(u1, 16).AsSingle(), Vector512.Load(even + j + 16), e1);
            o1 = Vector512.FusedMultiplyAdd((u1 & high).AsSingle(), Vector512.Load(odd + j + 16), o1);
        }
        if (i <= n - PairChunk)
        {
            var u0 = Vector512.Load((uint*)(w + i));
            e0 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(u0, 16).AsSingle(), Vector512.Load(even + j), e0);
            o0 = Vector512.FusedMultiplyAdd((u0 & high).AsSingle(), Vector512.Load(odd + j), o0);
            i += PairChunk;
        }
        float s = Vector512.Sum((e0 + e1) + (o0 + o1));
        for (; i < n; i++)
        {
            s += Bf16.Scalar(w[i]) * x[i];
        }
        return s;
    }
}
