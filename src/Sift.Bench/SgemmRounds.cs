using System.Diagnostics;
using System.Runtime.InteropServices;
using Sift.Core.Random;
using Sift.Engine.Kernels;

namespace Sift.Bench;

/// <summary>
/// The sgemm reference for a training step: every GEMM shape the step calls, timed once per round on random
/// operands with the same <see cref="IGemm"/>. Rounds run between timed training steps, so each step has an
/// sgemm figure measured under the same machine load (the box may be shared).
/// </summary>
public sealed unsafe class SgemmRounds : IDisposable
{
    private readonly IGemm _gemm;
    private readonly float* _a, _b, _c;

    /// <summary>Allocates operands for the largest shape and runs each shape once untimed.</summary>
    public SgemmRounds(IGemm gemm, IReadOnlyList<GemmShape> shapes)
    {
        _gemm = gemm;
        Shapes = shapes;
        long aLen = shapes.Max(s => (long)s.M * s.K), bLen = shapes.Max(s => (long)s.K * s.N), cLen = shapes.Max(s => (long)s.M * s.N);
        _a = Alloc(aLen);
        _b = Alloc(bLen);
        _c = Alloc(cLen);
        var rng = new Rng(7);
        Fill(rng, _a, aLen);
        Fill(rng, _b, bLen);
        foreach (var s in shapes)
        {
            Call(s);
        }
    }

    /// <summary>The shapes, most FLOPs per step first.</summary>
    public IReadOnlyList<GemmShape> Shapes { get; }

    /// <summary>FLOPs of one step's GEMMs.</summary>
    public double StepFlops => Shapes.Sum(s => s.Flops * s.Calls);

    /// <summary>Times every shape once; seconds[i] is shape i's call. Returns the step-weighted GFLOP/s.</summary>
    public double Round(double[] seconds)
    {
        double total = 0;
        for (int i = 0; i < Shapes.Count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Call(Shapes[i]);
            seconds[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            total += seconds[i] * Shapes[i].Calls;
        }
        return StepFlops / total / 1e9;
    }

    private void Call(GemmShape s) =>
        _gemm.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, _a, s.TransA ? s.M : s.K, _b, s.TransB ? s.K : s.N, 0f, _c, s.N);

    private static float* Alloc(long floats) => (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);

    private static void Fill(Rng rng, float* p, long n)
    {
        for (long i = 0; i < n; i++)
        {
            p[i] = (float)rng.NextDouble() - 0.5f;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_c);
    }
}
