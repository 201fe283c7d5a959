using System.Diagnostics;
using Sift.Core.Random;
using Sift.Core.Reporting;
using Sift.Engine;
using Sift.Engine.Model;
using Sift.Rewards.Scoring;

namespace Sift.Bench;

/// <summary>
/// Process-reward scoring as `sift rm score` runs it locally: the same tokens as a training step, as sequences of the
/// benchmark's length with a label read every <see cref="StepTokens"/> tokens (a step), scored as one batch through
/// <see cref="LocalStepScorer"/> (rows of several sequences packed into each forward call of the KV-cache session).
/// </summary>
public static class RmScoringBenchmark
{
    /// <summary>Tokens per synthetic step.</summary>
    public const int StepTokens = 32;

    /// <summary>Times <paramref name="passes"/> passes over <paramref name="o"/>.TokensPerStep tokens after the warm-up.</summary>
    public static Timings Run(BenchOptions o, LlamaModel model, Compute compute, int passes, IProgressReporter progress, CancellationToken cancel)
    {
        int T = o.SeqLen, B = o.TokensPerStep / T, V = o.Config.VocabSize;
        var rng = new Rng(o.Seed + 41);
        var prompts = new List<RmPrompt>(B);
        for (int b = 0; b < B; b++)
        {
            var ids = new int[T];
            for (int t = 0; t < T; t++)
            {
                ids[t] = rng.NextInt(V);
            }
            var rows = Enumerable.Range(1, T / StepTokens).Select(k => k * StepTokens - 1).ToArray();
            prompts.Add(new RmPrompt("", ids, rows));
        }
        var labels = new LabelTokens(1 % V, 2 % V);
        using var scorer = new LocalStepScorer(model, compute, "bench");
        var times = new double[passes];
        int total = Math.Max(1, o.WarmupSteps) + passes;
        double sink = 0;
        for (int s = 0; s < total; s++)
        {
            cancel.ThrowIfCancellationRequested();
            bool timed = s >= total - passes;
            long t0 = Stopwatch.GetTimestamp();
            scorer.Score(prompts, labels, (_, r) => sink += r.Good[0] ?? 0, cancel);
            double sec = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (timed)
            {
                times[s - (total - passes)] = sec;
            }
            progress.Report("rm score", s + 1, total, $"{o.TokensPerStep / sec:N0} tok/s{(timed ? "" : " (warm-up)")}");
        }
        progress.Done();
        GC.KeepAlive(sink);
        return new Timings(times);
    }
}
