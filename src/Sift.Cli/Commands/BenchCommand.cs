using System.CommandLine;
using System.Globalization;
using System.Text;
using Sift.Bench;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;

namespace Sift.Cli.Commands;

/// <summary>`sift bench`: training, forward and decode throughput of the engine on this machine.</summary>
public static class BenchCommand
{
    /// <summary>With phases "auto", models above this many parameters only run the decode phase.</summary>
    private const long TrainableParameterLimit = 200_000_000;

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "tiny | small | tinyllama-1.1b | a config.json path (or model folder)", DefaultValueFactory = _ => "tiny" };
        var threads = new Option<int>("--threads") { Description = "Threads for GEMMs and the other kernels", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var json = new Option<bool>("--json") { Description = "Print the JSON summary instead of the table" };
        var phases = new Option<string>("--phases") { Description = "auto | all | a comma list of train, forward, decode, rm, square (auto: all, or decode only above 200M parameters)", DefaultValueFactory = _ => "auto" };
        var steps = new Option<int>("--steps") { Description = "Timed training and forward steps (median reported)", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up steps per phase", DefaultValueFactory = _ => 1 };
        var decodeTokens = new Option<int>("--decode-tokens") { Description = "Timed decode steps", DefaultValueFactory = _ => 16 };
        var seqLen = new Option<int?>("--seq-len") { Description = "Sequence length T (default 256, or the config's context if shorter)" };
        var tokensPerStep = new Option<int>("--tokens-per-step") { Description = "Tokens per training step (batch = this / T)", DefaultValueFactory = _ => 8192 };
        var gemm = new Option<string>("--gemm") { Description = "GEMM backend: auto | openblas | managed | naive", DefaultValueFactory = _ => "auto" };
        var precision = new Option<string>("--precision") { Description = "fp32 | bf16-mixed (bf16 GEMM inputs, fp32 accumulation, as train.precision=bf16-mixed; needs AVX512_BF16; --gemm does not apply)", DefaultValueFactory = _ => "fp32" };
        var recalibrate = new Option<bool>("--recalibrate") { Description = "Delete the GEMM calibration caches (~/.cache/sift/gemm-calibration.json, managed-kernel.json, openblas-core.json) first, so --gemm auto measures every shape, the managed GEMM its micro-kernel and OpenBLAS its core, again in this run" };
        var weights = WeightsOption.Create();
        var cmd = new Command("bench", """
            Measure the engine on random weights: training tokens/s (forward, backward, clipping, AdamW on
            8,192 tokens per step) with the achieved GFLOP/s against sgemm on the same shapes, forward-only
            tokens/s (scoring), process-reward scoring tokens/s (sift rm score's local path), peak memory,
            single-sequence decode tokens/s against the memory-bandwidth limit, and the yardsticks (square): the
            machine's best 2048³ GEMM per backend (the bf16-mixed kernel's too, where it runs) and one core's fp32 FMA
            and VDPBF16PS peaks. Warm-up steps are excluded; medians of the timed steps are reported.
            """)
        {
            config, threads, json, phases, steps, warmup, decodeTokens, seqLen, tokensPerStep, gemm, precision, recalibrate, weights,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            string name = pr.GetValue(config)!;
            LlamaConfig cfg = ModelPresets.Resolve(name);
            bool asJson = pr.GetValue(json);
            if (pr.GetValue(recalibrate) && GemmFactory.ForgetCalibration() is { Count: > 0 } forgotten)
            {
                Console.Error.WriteLine($"sift bench: deleted {string.Join(" and ", forgotten)}; --gemm auto measures every shape, the managed GEMM its micro-kernel and OpenBLAS its core, again");
            }
            var options = new BenchOptions
            {
                Name = name,
                Config = cfg,
                Threads = pr.GetValue(threads),
                Gemm = pr.GetValue(gemm)!,
                Precision = pr.GetValue(precision)!,
                SeqLen = pr.GetValue(seqLen) ?? Math.Min(256, cfg.MaxPositionEmbeddings),
                TokensPerStep = pr.GetValue(tokensPerStep),
                WarmupSteps = pr.GetValue(warmup),
                TrainSteps = pr.GetValue(steps),
                ForwardSteps = pr.GetValue(steps),
                DecodeTokens = pr.GetValue(decodeTokens),
                Weights = WeightsOption.Get(pr, weights),
                // 16-bit weights are for inference: "auto" measures their decoding only.
                Phases = ParsePhases(pr.GetValue(phases)!, WeightsOption.Get(pr, weights) == WeightFormat.F32 ? cfg.ParameterCount : long.MaxValue),
            };
            IProgressReporter progress = asJson ? NullProgress.Instance : new ConsoleProgress();
            var report = new EngineBenchmark(options, progress).Run(CommandRunner.CtrlC());
            if (asJson)
            {
                CommandRunner.WriteJson(report.ToJson());
            }
            else
            {
                Console.Write(Format(report));
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>Parses --phases; "auto" skips training and forward for models too large to train here.</summary>
    internal static BenchPhases ParsePhases(string text, long parameters)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "auto")
        {
            return parameters > TrainableParameterLimit ? BenchPhases.Decode : BenchPhases.All;
        }
        if (t == "all")
        {
            return BenchPhases.All;
        }
        var result = BenchPhases.None;
        foreach (string part in t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            result |= part switch
            {
                "train" => BenchPhases.Train,
                "forward" => BenchPhases.Forward,
                "decode" => BenchPhases.Decode,
                "rm" => BenchPhases.Rm,
                "square" => BenchPhases.Square,
                _ => throw new SiftException($"--phases: unknown phase '{part}'; expected auto, all, or a comma list of train, forward, decode, rm, square"),
            };
        }
        return result == BenchPhases.None ? throw new SiftException("--phases: choose at least one of train, forward, decode, rm") : result;
    }

    /// <summary>The human-readable table.</summary>
    internal static string Format(BenchReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        var c = r.Options.Config;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"sift bench: {r.Options.Name}: {r.Parameters / 1e6:0.00}M parameters (vocab {c.VocabSize}, d {c.HiddenSize}, {c.NumHiddenLayers} layers, " +
            $"{c.NumAttentionHeads}/{c.NumKeyValueHeads} heads, ffn {c.IntermediateSize}), {r.Options.Threads} threads, gemm {r.GemmName}, {r.Options.Precision}");
        if (r.Machine is { } mc)
        {
            string blas = mc.OpenBlasCore is null ? "no OpenBLAS"
                : mc.OpenBlasCore == mc.OpenBlasDefaultCore ? $"OpenBLAS core {mc.OpenBlasCore}"
                : $"OpenBLAS core {mc.OpenBlasCore} (its own choice: {mc.OpenBlasDefaultCore})";
            string cpu = mc.CpuSignature.Length == 0 ? mc.CpuModel : $"{mc.CpuModel} ({mc.CpuSignature})";
            string env = mc.OpenBlasEnvironment.Count == 0 ? "" : " [" + string.Join(' ', mc.OpenBlasEnvironment.Select(kv => $"{kv.Key}={kv.Value}")) + "]";
            sb.AppendLine(inv, $"  {cpu}, {mc.LogicalCpus} CPUs ({string.Join(' ', mc.SimdFlags)}); managed kernel {mc.ManagedKernel}; {blas}{env}");
            if (mc.OpenBlasCoreNote is { } note)
            {
                sb.AppendLine(inv, $"  OpenBLAS: {note}");
            }
        }
        if (r.GemmChoices is { Count: > 0 } choices)
        {
            sb.AppendLine(inv, $"  gemm auto: {choices.Count(g => g.Backend == "managed")} of {choices.Count} calibrated shapes on managed, the rest on OpenBLAS");
        }
        if (r.Train is not null || r.Forward is not null)
        {
            sb.AppendLine(inv, $"  {r.TokensPerStep:N0} tokens per step ({r.TokensPerStep / r.Options.SeqLen} × {r.Options.SeqLen}); {r.Options.WarmupSteps} warm-up step(s) excluded; median [range] of the timed steps");
        }
        sb.AppendLine();
        void Row(string what, string value, string note) => sb.AppendLine(inv, $"  {what,-22} {value,22}   {note}");
        string Rate(Timings t, double scale, string fmt) =>
            string.Create(inv, $"{(scale / t.Median).ToString(fmt, inv)} [{(scale / t.Max).ToString(fmt, inv)}–{(scale / t.Min).ToString(fmt, inv)}]");
        if (r.Train is not null)
        {
            Row("train tokens/s", Rate(r.Train, r.TokensPerStep, "N0"), $"{r.Train.Seconds.Length} steps, {r.Train.Median:0.000} s/step");
            Row("train GFLOP/s", $"{r.TrainGflops:0.0}", $"{r.TrainFlopsPerToken / 1e6:0.0} MFLOP/token (6N + 12·L·T·q)");
            Row("sgemm GFLOP/s", string.Create(inv, $"{r.SgemmGflops:0.0} [{r.SgemmRounds!.Min():0.0}–{r.SgemmRounds!.Max():0.0}]"),
                $"the step's {r.SgemmShapes!.Count} GEMM shapes, after each step; training reaches {100 * r.TrainOverSgemm:0}% of it");
        }
        if (r.SquareSgemm is { Count: > 0 } square)
        {
            var best = square.MaxBy(s => s.Gflops);
            string train = r.TrainGflops is double tg && !r.IsBf16 ? $"; training reaches {100 * tg / best.Gflops:0}% of the best" : "";
            Row($"sgemm {SquareSgemm.Size}³ GFLOP/s", $"{best.Gflops:0.0}",
                $"{best.Backend} ({string.Join(", ", square.Select(s => string.Create(inv, $"{s.Backend} {s.Gflops:0.0}")))}; best of {SquareSgemm.Budget.TotalSeconds:0} s each){train}");
        }
        if (r.SquareBf16Gflops is double bf16)
        {
            string train = r.TrainOverSquareSgemm is double share && r.IsBf16 ? $"; training reaches {100 * share:0}% of it" : "";
            Row($"bf16 {SquareSgemm.Size}³ GFLOP/s", $"{bf16:0.0}", $"the bf16-mixed kernel, {r.Options.Threads} thread(s){train}");
        }
        if (r.Peaks is { } peaks)
        {
            string fma = peaks.FmaGflops is double f ? string.Create(inv, $"{f:0.0}") : "none";
            string dot = peaks.Bf16DotGflops is double d && peaks.FmaGflops is double f2
                ? string.Create(inv, $"; VDPBF16PS {d:0.0} ({d / f2:0.00}x the FMA)") : "";
            Row("peak GFLOP/s, 1 core", fma, $"fp32 FMA, {peaks.FmaBits}-bit{dot}");
        }
        if (r.Forward is not null)
        {
            string ratio = r.Train is null ? "" : $"; {r.ForwardTokensPerSecond / r.TrainTokensPerSecond:0.00}x training";
            Row("forward tokens/s", Rate(r.Forward, r.TokensPerStep, "N0"), $"{r.ForwardGflops:0.0} GFLOP/s{ratio}");
        }
        if (r.RmScore is not null)
        {
            string ratio = r.Train is null ? "" : $"{r.RmTokensPerSecond / r.TrainTokensPerSecond:0.00}x training";
            Row("rm score tokens/s", Rate(r.RmScore, r.TokensPerStep, "N0"), $"PRM scoring, a label every {RmScoringBenchmark.StepTokens} tokens; {ratio}");
        }
        if (r.PeakRssMb is double rss)
        {
            Row("peak RSS", $"{rss:N0} MB", "training process peak");
        }
        if (r.Decode is not null)
        {
            Row("decode tokens/s", Rate(r.Decode, 1, "0.00"), $"{r.Decode.Seconds.Length} tokens, 1 sequence, KV cache");
            Row("memory bandwidth", $"{r.BandwidthGbs:0.0} GB/s", $"read, {r.Options.Threads} threads; {r.DecodeWeightBytes / 1e6:N0} MB of {r.Options.Weights.Name()} weights per token");
            Row("decode vs bandwidth", $"{r.DecodeOverBandwidthLimit:0.00}x", $"of the limit ({r.BandwidthLimitTokensPerSecond:0.00} tok/s); peak RSS {r.DecodePeakRssMb:N0} MB");
        }
        if (r.LoadAverage.Start is double l0 && r.LoadAverage.End is double l1)
        {
            Row("load average", string.Create(inv, $"{l0:0.0} → {l1:0.0}"), $"1-minute, on {Environment.ProcessorCount} CPUs (other work slows every figure)");
        }
        if (r.TrainProfile is not null)
        {
            sb.AppendLine();
            sb.Append("  training step time: ");
            double total = r.TrainProfile.Values.Sum();
            sb.AppendLine(string.Join(", ", r.TrainProfile.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value)
                .Select(kv => string.Create(inv, $"{kv.Key.ToString().ToLowerInvariant()} {100 * kv.Value / total:0}%"))));
        }
        if (r.ForwardProfile is not null)
        {
            sb.Append("  forward pass time:  ");
            double total = r.ForwardProfile.Values.Sum();
            sb.AppendLine(string.Join(", ", r.ForwardProfile.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value)
                .Select(kv => string.Create(inv, $"{kv.Key.ToString().ToLowerInvariant()} {100 * kv.Value / total:0}%"))));
        }
        return sb.ToString();
    }
}
