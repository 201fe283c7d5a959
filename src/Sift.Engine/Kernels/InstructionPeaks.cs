using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Sift.Engine.Kernels.Bf16Mixed;
using Sift.Engine.Kernels.Cpu;

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
        Func<double>? fma = wide ? () => FmaChains<Lanes512>(Rounds) : Fma.IsSupported ? () => FmaChains<Lanes256>(Rounds) : null;
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

    // 12 independent accumulators: enough to cover an FMA latency of 4–6 cycles at two per cycle. One body for both
    // widths (Lanes512 or Lanes256, specialised by the JIT); returns the flops done.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double FmaChains<V>(int rounds)
        where V : struct, IFmaLanes<V>
    {
        V x = V.Splat(1e-9f), y = V.Splat(1f);
        V a0 = V.Splat(0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < rounds; i++)
        {
            a0 = V.MulAdd(x, y, a0);
            a1 = V.MulAdd(x, y, a1);
            a2 = V.MulAdd(x, y, a2);
            a3 = V.MulAdd(x, y, a3);
            a4 = V.MulAdd(x, y, a4);
            a5 = V.MulAdd(x, y, a5);
            a6 = V.MulAdd(x, y, a6);
            a7 = V.MulAdd(x, y, a7);
            a8 = V.MulAdd(x, y, a8);
            a9 = V.MulAdd(x, y, a9);
            a10 = V.MulAdd(x, y, a10);
            a11 = V.MulAdd(x, y, a11);
        }
        var sum = V.Add(V.Add(V.Add(a0, a1), V.Add(a2, a3)), V.Add(V.Add(a4, a5), V.Add(a6, a7)));
        float sink = V.Sum(V.Add(sum, V.Add(V.Add(a8, a9), V.Add(a10, a11))));
        return rounds * 12.0 * 2 * V.Count + (sink < 0 ? 1 : 0); // the sum keeps the loop alive; it is never negative
    }
}
