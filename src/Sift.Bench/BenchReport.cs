using System.Text.Json.Nodes;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;

namespace Sift.Bench;

/// <summary>Median and range of repeated timings (seconds).</summary>
public sealed record Timings(double[] Seconds)
{
    /// <summary>The median.</summary>
    public double Median
    {
        get
        {
            var s = Seconds.Order().ToArray();
            return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
        }
    }

    /// <summary>The fastest.</summary>
    public double Min => Seconds.Min();

    /// <summary>The slowest.</summary>
    public double Max => Seconds.Max();
}

/// <summary>Everything one `sift bench` run measured; phases that did not run are null.</summary>
public sealed record BenchReport
{
    /// <summary>The settings.</summary>
    public required BenchOptions Options { get; init; }

    /// <summary>GEMM backend actually used.</summary>
    public required string GemmName { get; init; }

    /// <summary>The CPU and the kernels chosen for it.</summary>
    public BenchMachine? Machine { get; init; }

    /// <summary>With <c>--gemm auto</c>: the per-shape OpenBLAS-vs-managed choices (calibrated or from the cache).</summary>
    public IReadOnlyList<GemmChoice>? GemmChoices { get; init; }

    /// <summary>Parameter count.</summary>
    public long Parameters { get; init; }

    /// <summary>Training step times.</summary>
    public Timings? Train { get; init; }

    /// <summary>Managed heap bytes allocated per timed training step (all threads).</summary>
    public long? AllocatedBytesPerStep { get; init; }

    /// <summary>Where a training step's time went (seconds per step, by op).</summary>
    public IReadOnlyDictionary<StepOp, double>? TrainProfile { get; init; }

    /// <summary>Forward pass times.</summary>
    public Timings? Forward { get; init; }

    /// <summary>Where a forward pass's time went (seconds per pass, by op).</summary>
    public IReadOnlyDictionary<StepOp, double>? ForwardProfile { get; init; }

    /// <summary>Process-reward scoring pass times (<see cref="RmScoringBenchmark"/>), over TokensPerStep tokens each.</summary>
    public Timings? RmScore { get; init; }

    /// <summary>Median process-reward scoring throughput.</summary>
    public double? RmTokensPerSecond => RmScore is null ? null : TokensPerStep / RmScore.Median;

    /// <summary>sgemm GFLOP/s on the training step's GEMM shapes, one round after each timed step (step FLOPs / round time).</summary>
    public double[]? SgemmRounds { get; init; }

    /// <summary>Median of <see cref="SgemmRounds"/>.</summary>
    public double? SgemmGflops => SgemmRounds is null ? null : Median(SgemmRounds);

    /// <summary>Median over timed steps of (step GFLOP/s ÷ the sgemm round right after it): paired, so load changes cancel.</summary>
    public double? TrainOverSgemm => Train is null || SgemmRounds is null ? null
        : Median(Train.Seconds.Select((s, i) => TokensPerStep * TrainFlopsPerToken / s / 1e9 / SgemmRounds[i]).ToArray());

    /// <summary>Large-square sgemm GFLOP/s per available backend (phase square), or null.</summary>
    public IReadOnlyList<(string Backend, double Gflops)>? SquareSgemm { get; init; }

    /// <summary>The best backend's large-square GFLOP/s.</summary>
    public double? BestSquareSgemmGflops => SquareSgemm is { Count: > 0 } s ? s.Max(x => x.Gflops) : null;

    /// <summary>The bf16-mixed kernel's large-square GFLOP/s (phase square, where it can run), or null.</summary>
    public double? SquareBf16Gflops { get; init; }

    /// <summary>One core's instruction peaks (phase square), or null.</summary>
    public InstructionPeakReport? Peaks { get; init; }

    /// <summary>
    /// Training GFLOP/s as a share of the machine's best large-square GEMM in the run's precision: the best fp32
    /// backend, or the bf16 kernel under bf16-mixed.
    /// </summary>
    public double? TrainOverSquareSgemm => TrainGflops / (IsBf16 ? SquareBf16Gflops : BestSquareSgemmGflops);

    /// <summary>Whether the run trained in bf16-mixed (its yardstick is then the bf16 GEMM).</summary>
    public bool IsBf16 => Options.Precision == "bf16-mixed";

    /// <summary>The shapes behind <see cref="SgemmGflops"/> with their median GFLOP/s and the backend that ran them.</summary>
    public IReadOnlyList<(GemmShape Shape, double Gflops, string Backend)>? SgemmShapes { get; init; }

    /// <summary>Peak RSS of the training process, MiB (read once a step's buffers all exist, before the sgemm operands).</summary>
    public double? PeakRssMb { get; init; }

    /// <summary>Single-token decode step times.</summary>
    public Timings? Decode { get; init; }

    /// <summary>Bytes of weights a decode step reads.</summary>
    public long DecodeWeightBytes { get; init; }

    /// <summary>Measured read bandwidth, GB/s.</summary>
    public double? BandwidthGbs { get; init; }

    /// <summary>Peak RSS during the decode phase, MiB.</summary>
    public double? DecodePeakRssMb { get; init; }

    /// <summary>1-minute load average at the start and the end of the run (the machine may be shared).</summary>
    public (double? Start, double? End) LoadAverage { get; init; }

    /// <summary>Tokens per training step.</summary>
    public int TokensPerStep => Options.TokensPerStep;

    /// <summary>FLOPs per trained token (<see cref="ModelFlops.TrainPerToken"/>).</summary>
    public double TrainFlopsPerToken => ModelFlops.TrainPerToken(Options.Config, Options.SeqLen);

    /// <summary>FLOPs per forward token.</summary>
    public double ForwardFlopsPerToken => ModelFlops.ForwardPerToken(Options.Config, Options.SeqLen);

    /// <summary>Median training throughput.</summary>
    public double? TrainTokensPerSecond => Train is null ? null : TokensPerStep / Train.Median;

    /// <summary>Median forward throughput.</summary>
    public double? ForwardTokensPerSecond => Forward is null ? null : TokensPerStep / Forward.Median;

    /// <summary>Achieved training GFLOP/s.</summary>
    public double? TrainGflops => TrainTokensPerSecond * TrainFlopsPerToken / 1e9;

    /// <summary>Achieved forward GFLOP/s.</summary>
    public double? ForwardGflops => ForwardTokensPerSecond * ForwardFlopsPerToken / 1e9;

    /// <summary>Median decode throughput.</summary>
    public double? DecodeTokensPerSecond => Decode is null ? null : 1 / Decode.Median;

    /// <summary>Decode tokens/s if every step only streamed the weights at the measured bandwidth.</summary>
    public double? BandwidthLimitTokensPerSecond => BandwidthGbs * 1e9 / DecodeWeightBytes;

    /// <summary>Median decode step time over the bandwidth-limited time (1 = at the limit; the target is ≤ 1.5).</summary>
    public double? DecodeOverBandwidthLimit => Decode is null || BandwidthGbs is null ? null : Decode.Median / (DecodeWeightBytes / (BandwidthGbs.Value * 1e9));

    private static double Median(double[] v) => new Timings(v).Median;

    /// <summary>The summary `sift bench --json` prints.</summary>
    public JsonObject ToJson()
    {
        // Rounded to `digits` decimals, but small figures (a tiny model, a loaded machine) keep 3 significant digits instead of becoming 0.
        static JsonNode? R(double? v, int digits = 1) => v is double x
            ? JsonValue.Create(x != 0 && Math.Abs(x) < 1 ? Math.Round(x, Math.Clamp(2 - (int)Math.Floor(Math.Log10(Math.Abs(x))), digits, 15)) : Math.Round(x, digits))
            : null;
        static JsonNode? Range(Timings? t, double scale) => t is null ? null
            : new JsonArray(R(scale / t.Max), R(scale / t.Min));
        static JsonNode? Profile(IReadOnlyDictionary<StepOp, double>? p)
        {
            if (p is null)
            {
                return null;
            }
            var o = new JsonObject();
            foreach (var (op, s) in p)
            {
                o[op.ToString().ToLowerInvariant()] = Math.Round(s, 4);
            }
            return o;
        }
        var c = Options.Config;
        return new JsonObject
        {
            ["config"] = Options.Name,
            ["threads"] = Options.Threads,
            ["gemm"] = GemmName,
            ["precision"] = Options.Precision,
            ["machine"] = Machine?.ToJson(),
            ["params"] = Parameters,
            ["model"] = new JsonObject
            {
                ["vocab_size"] = c.VocabSize,
                ["hidden_size"] = c.HiddenSize,
                ["num_hidden_layers"] = c.NumHiddenLayers,
                ["num_attention_heads"] = c.NumAttentionHeads,
                ["num_key_value_heads"] = c.NumKeyValueHeads,
                ["intermediate_size"] = c.IntermediateSize,
                ["tie_word_embeddings"] = c.TieWordEmbeddings,
            },
            ["load_average"] = new JsonArray(R(LoadAverage.Start, 2), R(LoadAverage.End, 2)),
            ["seq_len"] = Options.SeqLen,
            ["tokens_per_step"] = TokensPerStep,
            ["warmup_steps"] = Options.WarmupSteps,
            ["train_steps"] = Train?.Seconds.Length,
            ["train_tokens_per_s"] = R(TrainTokensPerSecond),
            ["train_tokens_per_s_range"] = Range(Train, TokensPerStep),
            ["train_step_s"] = Train is null ? null : new JsonArray(Train.Seconds.Select(s => R(s, 4)).ToArray()),
            ["train_flops_per_token"] = TrainFlopsPerToken,
            ["train_gflops"] = R(TrainGflops),
            ["sgemm_gflops"] = R(SgemmGflops),
            ["sgemm_gflops_range"] = SgemmRounds is null ? null : new JsonArray(R(SgemmRounds.Min()), R(SgemmRounds.Max())),
            ["train_over_sgemm"] = R(TrainOverSgemm, 3),
            ["sgemm_shapes"] = SgemmShapes is null ? null : new JsonArray(SgemmShapes.Select(s => (JsonNode)new JsonObject
            {
                ["shape"] = s.Shape.ToString(),
                ["calls_per_step"] = s.Shape.Calls,
                ["gflops"] = R(s.Gflops),
                ["backend"] = s.Backend,
            }).ToArray()),
            ["square_sgemm"] = SquareSgemm is null ? null : new JsonObject
            {
                ["size"] = Sift.Bench.SquareSgemm.Size,
                ["backends"] = new JsonObject(SquareSgemm.Select(x => KeyValuePair.Create(x.Backend, R(x.Gflops)))),
                ["best_gflops"] = R(BestSquareSgemmGflops),
                ["bf16_gflops"] = R(SquareBf16Gflops),
            },
            ["instruction_peaks"] = Peaks is null ? null : new JsonObject
            {
                ["fma_bits"] = Peaks.FmaBits,
                ["fma_gflops_per_core"] = R(Peaks.FmaGflops),
                ["vdpbf16ps_gflops_per_core"] = R(Peaks.Bf16DotGflops),
            },
            ["train_over_square_sgemm"] = R(TrainOverSquareSgemm, 3),
            ["gemm_choices"] = GemmChoices is null ? null : new JsonArray(GemmChoices.Select(g => (JsonNode)new JsonObject
            {
                ["shape"] = g.Shape,
                ["backend"] = g.Backend,
                ["openblas_gflops"] = g.OpenBlasGflops,
                ["managed_gflops"] = g.ManagedGflops,
            }).ToArray()),
            ["train_profile_s"] = Profile(TrainProfile),
            ["train_allocated_bytes_per_step"] = AllocatedBytesPerStep,
            ["forward_tokens_per_s"] = R(ForwardTokensPerSecond),
            ["forward_tokens_per_s_range"] = Range(Forward, TokensPerStep),
            ["forward_gflops"] = R(ForwardGflops),
            ["forward_over_train"] = R(ForwardTokensPerSecond / TrainTokensPerSecond, 3),
            ["rm_tokens_per_s"] = R(RmTokensPerSecond),
            ["rm_tokens_per_s_range"] = Range(RmScore, TokensPerStep),
            ["rm_over_train"] = R(RmTokensPerSecond / TrainTokensPerSecond, 3),
            ["forward_profile_s"] = Profile(ForwardProfile),
            ["peak_rss_mb"] = R(PeakRssMb),
            ["decode_tokens_per_s"] = R(DecodeTokensPerSecond, 2),
            ["decode_tokens_per_s_range"] = Range(Decode, 1),
            ["decode_weight_bytes"] = Decode is null ? null : DecodeWeightBytes,
            ["weights"] = Options.Weights.Name(),
            ["memory_bandwidth_gbs"] = R(BandwidthGbs, 2),
            ["decode_bandwidth_limit_tokens_per_s"] = R(BandwidthLimitTokensPerSecond, 2),
            ["decode_over_bandwidth_limit"] = R(DecodeOverBandwidthLimit, 3),
            ["decode_peak_rss_mb"] = R(DecodePeakRssMb),
        };
    }
}

/// <summary>
/// One core's multiply-add peaks (<see cref="Sift.Engine.Kernels.InstructionPeaks"/>): fp32 FMA at
/// <see cref="FmaBits"/> bits (0 and null without FMA) and VDPBF16PS (null where bf16-mixed cannot run).
/// </summary>
public sealed record InstructionPeakReport(int FmaBits, double? FmaGflops, double? Bf16DotGflops)
{
    /// <summary>Measures them on the calling thread (a fraction of a second).</summary>
    public static InstructionPeakReport Measure()
    {
        var (bits, fma, dot) = Sift.Engine.Kernels.InstructionPeaks.Measure();
        return new InstructionPeakReport(bits, fma, dot);
    }
}
