using System.Diagnostics;
using System.Runtime.Intrinsics;
using Sift.Engine.Kernels;
using Sift.Engine.Tensors;

namespace Sift.Bench;

/// <summary>
/// Sustained read bandwidth from main memory: <paramref name="threads"/> threads each sum their slice of a
/// buffer far larger than the last-level cache with 8-wide loads and four independent accumulators (the access
/// pattern of a decode step's weight streaming). Reports the best of several passes in GB/s (10⁹ bytes/s).
/// </summary>
public static class MemoryBandwidth
{
    /// <summary>Measures; <paramref name="megabytes"/> should be several times the L3 size.</summary>
    public static unsafe double MeasureReadGbs(int threads, int megabytes = 512, int passes = 5)
    {
        long floats = (long)megabytes * 1024 * 1024 / sizeof(float);
        // The engine's allocator, so the buffer gets the same pages (huge pages where advised) as the weights it bounds.
        using var block = new NativeBuffer(floats);
        float* buf = block.Ptr;
        // Touch every page (and give it non-trivial content) before timing.
        Par.For(checked((int)(floats / 1024)), threads, (s, e) =>
        {
            for (long i = (long)s * 1024; i < (long)e * 1024; i++)
            {
                buf[i] = i & 7;
            }
        });
        var partial = new double[threads];
        double best = double.MaxValue;
        for (int p = 0; p < passes; p++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Par.ForEach(threads, threads, c =>
            {
                long s = floats * c / threads, e = floats * (c + 1) / threads;
                partial[c] = Sum(buf + s, e - s);
            });
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        GC.KeepAlive(partial.Sum());
        return floats * sizeof(float) / best / 1e9;
    }

    private static unsafe float Sum(float* p, long n)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        long i = 0;
        for (; i <= n - 32; i += 32)
        {
            a0 += Vector256.Load(p + i);
            a1 += Vector256.Load(p + i + 8);
            a2 += Vector256.Load(p + i + 16);
            a3 += Vector256.Load(p + i + 24);
        }
        float s = Vector256.Sum(a0 + a1 + a2 + a3);
        for (; i < n; i++)
        {
            s += p[i];
        }
        return s;
    }
}
