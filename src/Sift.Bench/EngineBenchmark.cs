using System.Diagnostics;
using Sift.Core.Random;
using Sift.Core.Reporting;
using Sift.Engine;
using Sift.Engine.Inference;
using Sift.Engine.Kernels;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Engine.Optim;

namespace Sift.Bench;

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
        // The compute training builds (GemmFactory.CreateCompute), with its GEMM recorded for the sgemm rounds.
        var training = GemmFactory.CreateCompute(_o.Gemm, _o.Threads, _o.Precision);
        var gemm = new RecordingGemm(training.Gemm);
        var compute = training with { Gemm = gemm };
        var report = new BenchReport
        {
            Options = _o,
            GemmName = gemm.Name,
            Machine = BenchMachine.Detect(),
            LoadAverage = (ProcessMemory.LoadAverage(), null),
        };
        using var model = new LlamaModel(_o.Config, _o.Weights);
        report = report with { Parameters = model.Layout.TotalLength };
        Initialise(model);

        if (_o.Phases.HasFlag(BenchPhases.Train) || _o.Phases.HasFlag(BenchPhases.Forward))
        {
            report = RunTrainingPhases(report, model, compute, gemm, cancel);
        }
        if (_o.Phases.HasFlag(BenchPhases.Rm))
        {
            report = report with { RmScore = RmScoringBenchmark.Run(_o, model, compute, _o.ForwardSteps, _progress, cancel) };
        }
        if (_o.Phases.HasFlag(BenchPhases.Square))
        {
            _progress.Line($"sgemm {SquareSgemm.Size}³ on every available backend ({SquareSgemm.Budget.TotalSeconds:0} s each)");
            report = report with
            {
                SquareSgemm = SquareSgemm.Measure(_o.Threads),
                SquareBf16Gflops = SquareSgemm.MeasureBf16(_o.Threads),
                Peaks = InstructionPeakReport.Measure(),
            };
        }
        if (_o.Phases.HasFlag(BenchPhases.Decode))
        {
            report = RunDecode(report, model, compute, cancel);
        }
        return report with
        {
            GemmChoices = (gemm.Inner as AutoGemm)?.Choices,
            LoadAverage = (report.LoadAverage.Start, ProcessMemory.LoadAverage()),
        };
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
            var sgemm = new double[_o.TrainSteps];
            int total = _o.WarmupSteps + _o.TrainSteps;
            long allocated = 0;
            SgemmRounds? rounds = null;
            double[]? shapeSeconds = null;
            double[][] perShape = [];
            try
            {
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
                    if (rounds is null && (s == _o.WarmupSteps - 1 || _o.WarmupSteps == 0))
                    {
                        // Every buffer of a step now exists: this is the training process's peak. The sgemm
                        // operands allocated next are not part of it.
                        report = report with { PeakRssMb = ProcessMemory.PeakRssMb() };
                        gemm.Recording = false;
                        rounds = new SgemmRounds(gemm.Inner, gemm.Shapes);
                        shapeSeconds = new double[rounds.Shapes.Count];
                        perShape = rounds.Shapes.Select(_ => new double[_o.TrainSteps]).ToArray();
                    }
                    if (timed)
                    {
                        sgemm[s - _o.WarmupSteps] = rounds!.Round(shapeSeconds!);
                        for (int i = 0; i < shapeSeconds!.Length; i++)
                        {
                            perShape[i][s - _o.WarmupSteps] = shapeSeconds[i];
                        }
                    }
                    _progress.Report("train", s + 1, total, $"{n / sec:N0} tok/s{(timed ? "" : " (warm-up)")}");
                }
                _progress.Done();
                report = report with
                {
                    Train = new Timings(times),
                    TrainProfile = PerStep(profile, _o.TrainSteps),
                    AllocatedBytesPerStep = allocated / _o.TrainSteps,
                    SgemmRounds = sgemm,
                    SgemmShapes = rounds!.Shapes.Select((sh, i) => (sh, sh.Flops / new Timings(perShape[i]).Median / 1e9, BackendOf(gemm.Inner, sh))).ToList(),
                };
            }
            finally
            {
                gemm.Recording = false;
                graph.Profile = null;
                rounds?.Dispose();
            }
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
                graph.Forward(inputs, targets, forBackward: false);
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
        if (report.PeakRssMb is null)
        {
            report = report with { PeakRssMb = ProcessMemory.PeakRssMb() };
        }
        return report;
    }

    private static string BackendOf(IGemm gemm, GemmShape s) =>
        gemm is AutoGemm auto ? auto.BackendFor(s.TransA, s.TransB, s.M, s.N, s.K) : gemm.Name;

    private BenchReport RunDecode(BenchReport report, LlamaModel model, Compute compute, CancellationToken cancel)
    {
        var c = _o.Config;
        _progress.Line($"measuring memory bandwidth ({_o.Threads} threads)");
        double bandwidth = MemoryBandwidth.MeasureReadGbs(_o.Threads);
        ProcessMemory.ResetPeak();
        int prompt = 4, warm = Math.Max(1, _o.WarmupSteps), steps = _o.DecodeTokens;
        int maxLen = prompt + Math.Max(warm, steps) + 1;
        if (maxLen > c.MaxPositionEmbeddings)
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
        int[] seq = [0], tok = [0];
        void Restart()
        {
            session.Reset(0);
            session.Prefill(0, promptTokens, logits);
        }
        void DecodeOne()
        {
            tok[0] = ArgMax(logits);
            session.Step(seq, tok, logits);
        }

        // Warm-up: at least `warm` tokens and one second, so the JIT has optimised the decode path (a small
        // model's steps are too short for one or two tokens to get there).
        Restart();
        var warmClock = Stopwatch.StartNew();
        for (int w = 0; w < warm || warmClock.Elapsed.TotalSeconds < 1.0; w++)
        {
            cancel.ThrowIfCancellationRequested();
            if (session.Length(0) >= maxLen)
            {
                Restart();
            }
            DecodeOne();
            _progress.Report("decode", 0, steps, "warm-up");
        }
        Restart();
        var times = new double[steps];
        for (int s = 0; s < steps; s++)
        {
            cancel.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            DecodeOne();
            double sec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            times[s] = sec;
            _progress.Report("decode", s + 1, steps, $"{1 / sec:0.00} tok/s");
        }
        _progress.Done();
        long weightFloats = ModelFlops.MatmulParameters(c) + (2L * c.NumHiddenLayers + 1) * c.HiddenSize + c.HiddenSize;
        return report with
        {
            Decode = new Timings(times),
            DecodeWeightBytes = weightFloats * _o.Weights.ElementSize(),
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

    private static void FastUniformInit(LlamaModel model, ulong seed, int threads)
    {
        float a = 0.02f * MathF.Sqrt(3f);
        const int Block = 1 << 16;
        foreach (var t in model.Layout.Tensors)
        {
            if (t.Kind == ParamKind.Norm)
            {
                model.SetWeights(t.Offset, Enumerable.Repeat(1f, (int)t.Length).ToArray());
                continue;
            }
            long blocks = (t.Length + Block - 1) / Block;
            ulong tensorSeed = seed ^ (ulong)t.Offset * 0x9E3779B97F4A7C15UL;
            Par.For(checked((int)blocks), threads, (s, e) =>
            {
                var chunk = new float[Block];
                for (long blk = s; blk < e; blk++)
                {
                    ulong x = tensorSeed + (ulong)blk * 0xBF58476D1CE4E5B9UL;
                    long start = blk * Block, end = Math.Min(t.Length, (blk + 1) * Block);
                    for (long i = start; i < end; i++)
                    {
                        // SplitMix64 step: deterministic, fast, good enough for random weights.
                        x += 0x9E3779B97F4A7C15UL;
                        ulong z = x;
                        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                        z ^= z >> 31;
                        chunk[i - start] = ((z >> 40) * (1f / (1 << 24)) * 2f - 1f) * a;
                    }
                    // Rounded to the resident format (bf16/f16) as it is written.
                    model.SetWeights(t.Offset + start, chunk.AsSpan(0, (int)(end - start)));
                }
            });
        }
    }
}
