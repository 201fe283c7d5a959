using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Sift.Engine.Kernels.Bf16Mixed;

namespace Sift.Engine.Kernels;

/// <summary>
/// What one core's multiply-add instructions can do at best, the yardstick a kernel's GFLOP/s is read against
/// (`sift bench --phases square`): independent chains of fp32 FMA at the widest accelerated width, and of
/// VDPBF16PS where the bf16-mixed kernel runs. Where VDPBF16PS does not reach about twice the FMA rate, bf16-mixed
/// cannot train about twice as fast as fp32 on that CPU, whatever the kernel around it.
/// </summary>
public static unsafe class InstructionPeaks
{
    /// <summary>Rounds per timed call (each round is 12 FMAs or 24 VDPBF16PS): a few milliseconds on a 3 GHz core.</summary>
    private const int Rounds = 4_000_000;

    /// <summary>Timed calls of each; the best is kept. Short calls, alternated, so a busy moment spoils few of either.</summary>
    private const int Repeats = 10;

    /// <summary>
    /// One core's GFLOP/s (the calling thread's): fp32 FMA at the widest accelerated width (<c>Bits</c> 512 or 256;
    /// 0 and null where the CPU has no FMA) and VDPBF16PS (null where bf16-mixed cannot run here).
    /// </summary>
    public static (int Bits, double? Fma, double? Bf16Dot) Measure()
    {
        bool wide = Vector512.IsHardwareAccelerated && Avx512F.IsSupported;
        Func<double>? fma = wide ? () => Fma512(Rounds) : Fma.IsSupported ? () => Fma256(Rounds) : null;
        int bits = fma is null ? 0 : wide ? 512 : 256;
        Func<double>? dot = null;
        if (Bf16Gemm.UnavailableHere() is null)
        {
            var peak = Bf16Library.Instance!.DotPeak;
            dot = () => peak(Rounds / 2);
        }
        fma?.Invoke(); // warm-up: JIT, and the core's clock
        dot?.Invoke();
        double bestFma = 0, bestDot = 0;
        for (int i = 0; i < Repeats; i++)
        {
            bestFma = Math.Max(bestFma, Gflops(fma));
            bestDot = Math.Max(bestDot, Gflops(dot));
        }
        return (bits, fma is null ? null : bestFma, dot is null ? null : bestDot);
    }

    private static double Gflops(Func<double>? run)
    {
        if (run is null)
        {
            return 0;
        }
        long start = Stopwatch.GetTimestamp();
        double flops = run();
        return flops / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
    }

    // 12 independent accumulators: enough to cover an FMA latency of 4–6 cycles at two per cycle.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Fma512(int rounds)
    {
        Vector512<float> x = Vector512.Create(1e-9f), y = Vector512.Create(1f);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector512<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (int i = 0; i < rounds; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(x, y, a0);
            a1 = Avx512F.FusedMultiplyAdd(x, y, a1);
            a2 = Avx512F.FusedMultiplyAdd(x, y, a2);
            a3 = Avx512F.FusedMultiplyAdd(x, y, a3);
            a4 = Avx512F.FusedMultiplyAdd(x, y, a4);
            a5 = Avx512F.FusedMultiplyAdd(x, y, a5);
            a6 = Avx512F.FusedMultiplyAdd(x, y, a6);
            a7 = Avx512F.FusedMultiplyAdd(x, y, a7);
            a8 = Avx512F.FusedMultiplyAdd(x, y, a8);
            a9 = Avx512F.FusedMultiplyAdd(x, y, a9);
            a10 = Avx512F.FusedMultiplyAdd(x, y, a10);
            a11 = Avx512F.FusedMultiplyAdd(x, y, a11);
        }
        float sink = Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        return rounds * 12.0 * 32 + (sink < 0 ? 1 : 0); // the sum keeps the loop alive; it is never negative
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Fma256(int rounds)
    {
        Vector256<float> x = Vector256.Create(1e-9f), y = Vector256.Create(1f);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (int i = 0; i < rounds; i++)
        {
            a0 = Fma.MultiplyAdd(x, y, a0);
            a1 = Fma.MultiplyAdd(x, y, a1);
            a2 = Fma.MultiplyAdd(x, y, a2);
            a3 = Fma.MultiplyAdd(x, y, a3);
            a4 = Fma.MultiplyAdd(x, y, a4);
            a5 = Fma.MultiplyAdd(x, y, a5);
            a6 = Fma.MultiplyAdd(x, y, a6);
            a7 = Fma.MultiplyAdd(x, y, a7);
            a8 = Fma.MultiplyAdd(x, y, a8);
            a9 = Fma.MultiplyAdd(x, y, a9);
            a10 = Fma.MultiplyAdd(x, y, a10);
            a11 = Fma.MultiplyAdd(x, y, a11);
        }
        float sink = Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        return rounds * 12.0 * 16 + (sink < 0 ? 1 : 0);
    }
}
