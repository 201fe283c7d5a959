using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sift.Engine.Kernels;

/// <summary>Small vector primitives over raw pointers used inside per-row kernel loops.</summary>
public static unsafe class Vec
{
    /// <summary>Σ a[i]·b[i] in float, 8-wide with two accumulators (fixed order: deterministic).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        float s = 0;
        if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                acc0 = MulAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
                acc1 = MulAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), acc1);
            }
            for (; i <= n - 8; i += 8)
            {
                acc0 = MulAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
            }
            s = Vector256.Sum(acc0 + acc1);
        }
        for (; i < n; i++)
        {
            s += a[i] * b[i];
        }
        return s;
    }

    /// <summary>The largest of the 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
        return m.ToScalar();
    }

    /// <summary>y[i] += alpha·x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float* y, float alpha, float* x, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
            {
                Vector256.Store(MulAdd(va, Vector256.Load(x + i), Vector256.Load(y + i)), y + i);
            }
        }
        for (; i < n; i++)
        {
            y[i] += alpha * x[i];
        }
    }

    /// <summary>y[i] += x[i].</summary>
    public static void Add(float* y, float* x, long n)
    {
        long i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                Vector256.Store(Vector256.Load(y + i) + Vector256.Load(x + i), y + i);
            }
        }
        for (; i < n; i++)
        {
            y[i] += x[i];
        }
    }

    /// <summary>a·b + c, fused when the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    /// <summary>Copies n floats.</summary>
    public static void Copy(float* dst, float* src, long n) =>
        Buffer.MemoryCopy(src, dst, n * sizeof(float), n * sizeof(float));
}
