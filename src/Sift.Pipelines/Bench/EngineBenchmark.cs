using System.Diagnostics;
using System.Runtime.InteropServices;
using Sift.Core.Random;
using Sift.Engine;
using Sift.Engine.Inference;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Engine.Optim;
using Sift.Pipelines.Reporting;

namespace Sift.Pipelines.Bench;

/// <summary>
/// `sift bench`: engine throughput on random weights and tokens. Training steps are exactly what
/// `sift train` runs per step (zero grads, forward, backward with mean-loss weights, global-norm clipping,
/// AdamW); forward passes are what `sift score --data` runs; decoding is one sequence, one token per step,
/// through the KV cache. Each phase runs untimed warm-up steps, then timed steps whose median is reported.
/// The sgemm reference is measured in the same process on the GEMM shapes the training step calls.
/// </summary>
public sealed class EngineBenchmark(BenchOptions options, IProgressReporter? progress = null)
{
    private readonly BenchOptions _o = options.Validate();
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Models above this many parameters get a fast uniform initialisation instead of Gaussian.</summary>
    private const long FastInitAbove = 50_000_000;

    /// <summary>Runs the selected phases.</summary>
    public BenchReport Run(CancellationToken cancel = default)
    {
        var gemm = new RecordingGemm(GemmFactory.Create(_o.Gemm, _o.Threads));
        var compute = new Compute(gemm, _o.Threads);
        var report = new BenchReport { Options = _o, GemmName = gemm.Name };
        using var model = new LlamaModel(_o.Config);
        report = report with { Parameters = model.Layout.TotalLength };
        Initialise(model);

        if (_o.Phases.HasFlag(BenchPhases.Train) || _o.Phases.HasFlag(BenchPhases.Forward))
        {
            report = RunTrainingPhases(report, model, compute, gemm, cancel);
        }
        if (_o.Phases.HasFlag(BenchPhases.Decode))
        {
            report = RunDecode(report, model, compute, cancel);
        }
        return report;
    }

    private void Initialise(LlamaModel model)
    {
        if (model.Layout.TotalLength <= FastInitAbove)
        {
            model.InitRandom(_o.Seed);
            return;
        }
        // Gaussian init of a billion weights takes longer than the benchmark; decode speed does not depend
        // on the distribution, so fill uniform(−a, a) with the same std (0.02), in parallel, from the seed.
        _progress.Line($"initialising {model.Layout.TotalLength:N0} random weights");
        FastUniformInit(model, _o.Seed, _o.Threads);
    }

    private BenchReport RunTrainingPhases(BenchReport report, LlamaModel model, Compute compute, RecordingGemm gemm, CancellationToken cancel)
    {
        int T = _o.SeqLen, B = _o.TokensPerStep / T, n = B * T;
        using var graph = new TrainingGraph(model, B, T, compute);
        using var adam = new AdamW(model.Layout, new AdamWOptions());
        var rng = new Rng(_o.Seed + 17);
        var inputs = new int[n];
        var targets = new int[n];
        // Each sequence is T + 1 random tokens: inputs are the first T, targets the last T.
        for (int b = 0; b < B; b++)
        {
            int prev = rng.NextInt(_o.Config.VocabSize);
            for (int t = 0; t < T; t++)
            {
                int next = rng.NextInt(_o.Config.VocabSize);
                inputs[b * T + t] = prev;
                targets[b * T + t] = next;
                prev = next;
            }
        }
        var weights = new float[n];
        Array.Fill(weights, 1f / n);

        if (_o.Phases.HasFlag(BenchPhases.Train))
        {
            var profile = new StepProfile();
            var times = new double[_o.TrainSteps];
            int total = _o.WarmupSteps + _o.TrainSteps;
            long allocated = 0;
            for (int s = 0; s < total; s++)
            {
                cancel.ThrowIfCancellationRequested();
                bool timed = s >= _o.WarmupSteps;
                long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                gemm.Recording = s == 0;
                graph.Profile = timed ? profile : null;
                long t0 = Stopwatch.GetTimestamp();
                using (StepProfile.Time(graph.Profile, StepOp.Other))
                {
                    graph.ZeroGrad();
                }
                graph.Forward(inputs, targets);
                graph.Backward(weights);
                using (StepProfile.Time(graph.Profile, StepOp.Optimizer))
                {
                    GradientClipping.ClipGlobalNorm(graph.Grads, 1.0, _o.Threads);
                    adam.Update(model.Weights, graph.Grads, 3e-4f, _o.Threads);
                }
                double sec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (timed)
                {
                    allocated += GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                    times[s - _o.WarmupSteps] = sec;
                }
                _progress.Report("train", s + 1, total, $"{n / sec:N0} tok/s{(timed ? "" : " (warm-up)")}");
            }
            gemm.Recording = false;
            graph.Profile = null;
            _progress.Done();
            report = report with
            {
                Train = new Timings(times),
                TrainProfile = PerStep(profile, _o.TrainSteps),
                AllocatedBytesPerStep = allocated / _o.TrainSteps,
            };
        }
        if (_o.Phases.HasFlag(BenchPhases.Forward))
        {
            var profile = new StepProfile();
            var times = new double[_o.ForwardSteps];
            int total = Math.Max(1, _o.WarmupSteps) + _o.ForwardSteps;
            for (int s = 0; s < total; s++)
            {
                cancel.ThrowIfCancellationRequested();
                bool timed = s >= total - _o.ForwardSteps;
                graph.Profile = timed ? profile : null;
                long t0 = Stopwatch.GetTimestamp();
                graph.Forward(inputs, targets);
                double sec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (timed)
                {
                    times[s - (total - _o.ForwardSteps)] = sec;
                }
                _progress.Report("forward", s + 1, total, $"{n / sec:N0} tok/s{(timed ? "" : " (warm-up)")}");
            }
            graph.Profile = null;
            _progress.Done();
            report = report with { Forward = new Timings(times), ForwardProfile = PerStep(profile, _o.ForwardSteps) };
        }
        report = report with { PeakRssMb = ProcessMemory.PeakRssMb() };
        if (_o.Phases.HasFlag(BenchPhases.Train))
        {
            var shapes = gemm.Shapes;
            var per = new List<(GemmShape, double)>();
            double flops = 0, seconds = 0;
            foreach (var shape in shapes)
            {
                cancel.ThrowIfCancellationRequested();
                _progress.Report("sgemm", per.Count, shapes.Count, shape.ToString());
                double sec = MedianGemmSeconds(gemm.Inner, shape);
                per.Add((shape, shape.Flops / sec / 1e9));
                flops += shape.Flops * shape.Calls;
                seconds += sec * shape.Calls;
            }
            _progress.Done();
            report = report with { SgemmGflops = flops / seconds / 1e9, SgemmShapes = per };
        }
        return report;
    }

    private BenchReport RunDecode(BenchReport report, LlamaModel model, Compute compute, CancellationToken cancel)
    {
        var c = _o.Config;
        _progress.Line($"measuring memory bandwidth ({_o.Threads} threads)");
        double bandwidth = MemoryBandwidth.MeasureReadGbs(_o.Threads);
        ProcessMemory.ResetPeak();
        int prompt = 4, warm = Math.Max(1, _o.WarmupSteps), steps = warm + _o.DecodeTokens;
        int maxLen = Math.Min(c.MaxPositionEmbeddings, prompt + steps);
        if (maxLen < prompt + steps)
        {
            throw new Sift.Core.SiftException($"--decode-tokens: {steps} decode steps after a {prompt}-token prompt exceed max_position_embeddings {c.MaxPositionEmbeddings}");
        }
        using var session = new InferenceSession(model, 1, maxLen, compute, maxRows: prompt);
        var logits = new float[c.VocabSize];
        var rng = new Rng(_o.Seed + 29);
        var promptTokens = new int[prompt];
        for (int i = 0; i < prompt; i++)
        {
            promptTokens[i] = rng.NextInt(c.VocabSize);
        }
        session.Prefill(0, promptTokens, logits);
        int[] seq = [0], tok = [0];
        var times = new double[_o.DecodeTokens];
        for (int s = 0; s < steps; s++)
        {
            cancel.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            tok[0] = ArgMax(logits);
            session.Step(seq, tok, logits);
            double sec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (s >= warm)
            {
                times[s - warm] = sec;
            }
            _progress.Report("decode", s + 1, steps, $"{1 / sec:0.00} tok/s{(s < warm ? " (warm-up)" : "")}");
        }
        _progress.Done();
        long weightFloats = ModelFlops.MatmulParameters(c) + (2L * c.NumHiddenLayers + 1) * c.HiddenSize + c.HiddenSize;
        return report with
        {
            Decode = new Timings(times),
            DecodeWeightBytes = weightFloats * sizeof(float),
            BandwidthGbs = bandwidth,
            DecodePeakRssMb = ProcessMemory.PeakRssMb(),
        };
    }

    private static int ArgMax(float[] v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++)
        {
            if (v[i] > v[best])
            {
                best = i;
            }
        }
        return best;
    }

    private static Dictionary<StepOp, double> PerStep(StepProfile p, int steps) =>
        Enum.GetValues<StepOp>().ToDictionary(op => op, op => p.Seconds(op) / steps);

    /// <summary>Median seconds of one call of <paramref name="shape"/> (1 warm-up, then ≥ 3 calls and ≥ 0.2 s).</summary>
    private static unsafe double MedianGemmSeconds(IGemm gemm, GemmShape s)
    {
        long aLen = (long)s.M * s.K, bLen = (long)s.K * s.N, cLen = (long)s.M * s.N;
        float* a = (float*)NativeMemory.AlignedAlloc((nuint)(aLen * 4), 64);
        float* b = (float*)NativeMemory.AlignedAlloc((nuint)(bLen * 4), 64);
        float* c = (float*)NativeMemory.AlignedAlloc((nuint)(cLen * 4), 64);
        try
        {
            var rng = new Rng(7);
            for (long i = 0; i < aLen; i++)
            {
                a[i] = (float)rng.NextDouble() - 0.5f;
            }
            for (long i = 0; i < bLen; i++)
            {
                b[i] = (float)rng.NextDouble() - 0.5f;
            }
            int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;
            gemm.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, lda, b, ldb, 0f, c, s.N);
            var times = new List<double>();
            var total = Stopwatch.StartNew();
            while (times.Count < 3 || total.Elapsed.TotalSeconds < 0.2)
            {
                long t0 = Stopwatch.GetTimestamp();
                gemm.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, lda, b, ldb, 0f, c, s.N);
                times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
            return new Timings([.. times]).Median;
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
        }
    }

    private static unsafe void FastUniformInit(LlamaModel model, ulong seed, int threads)
    {
        float a = 0.02f * MathF.Sqrt(3f);
        float* w = model.Weights.Ptr;
        foreach (var t in model.Layout.Tensors)
        {
            float* p = w + t.Offset;
            if (t.Kind == ParamKind.Norm)
            {
                new Span<float>(p, (int)t.Length).Fill(1f);
                continue;
            }
            const int Block = 1 << 16;
            long blocks = (t.Length + Block - 1) / Block;
            ulong tensorSeed = seed ^ (ulong)t.Offset * 0x9E3779B97F4A7C15UL;
            Par.For(checked((int)blocks), threads, (s, e) =>
            {
                for (long blk = s; blk < e; blk++)
                {
                    ulong x = tensorSeed + (ulong)blk * 0xBF58476D1CE4E5B9UL;
                    long end = Math.Min(t.Length, (blk + 1) * Block);
                    for (long i = blk * Block; i < end; i++)
                    {
                        // SplitMix64 step: deterministic, fast, good enough for random weights.
                        x += 0x9E3779B97F4A7C15UL;
                        ulong z = x;
                        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                        z ^= z >> 31;
                        p[i] = ((z >> 40) * (1f / (1 << 24)) * 2f - 1f) * a;
                    }
                }
            });
        }
    }
}
