using Sift.Engine.Model;

namespace Sift.Bench;

/// <summary>What `sift bench` measures.</summary>
[Flags]
public enum BenchPhases
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Training steps (forward, backward, clipping, AdamW) and the sgemm reference on the same shapes.</summary>
    Train = 1,

    /// <summary>Forward-only passes over the same batch (what `sift score --data` runs).</summary>
    Forward = 2,

    /// <summary>Single-sequence KV-cache decoding, and the memory bandwidth that bounds it.</summary>
    Decode = 4,

    /// <summary>Process-reward scoring (`sift rm score` on the local engine) over the same tokens.</summary>
    Rm = 8,

    /// <summary>
    /// The machine's best large-square sgemm (every available backend at <see cref="SquareSgemm.Size"/>³), the
    /// yardstick for how much of the machine a training step uses.
    /// </summary>
    Square = 16,

    /// <summary>All of them.</summary>
    All = Train | Forward | Decode | Rm | Square,
}

/// <summary>Settings of one benchmark run.</summary>
public sealed record BenchOptions
{
    /// <summary>Name shown in the report ("tiny", "small", a path).</summary>
    public required string Name { get; init; }

    /// <summary>The model shape (weights are random).</summary>
    public required LlamaConfig Config { get; init; }

    /// <summary>Threads for GEMMs and the other kernels.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>GEMM backend (auto, openblas, managed, naive).</summary>
    public string Gemm { get; init; } = "auto";

    /// <summary>
    /// Arithmetic of the GEMMs: fp32, or bf16-mixed (bf16 inputs, fp32 accumulation: what train.precision=bf16-mixed
    /// trains with; <see cref="Gemm"/> does not apply). Decode's GEMV stays fp32.
    /// </summary>
    public string Precision { get; init; } = "fp32";

    /// <summary>Tokens per sequence (T).</summary>
    public int SeqLen { get; init; } = 256;

    /// <summary>Tokens per training step; the batch is TokensPerStep / SeqLen sequences.</summary>
    public int TokensPerStep { get; init; } = 8192;

    /// <summary>Untimed steps before the timed ones (JIT, page faults, buffer growth).</summary>
    public int WarmupSteps { get; init; } = 1;

    /// <summary>Timed training steps (the median is reported).</summary>
    public int TrainSteps { get; init; } = 5;

    /// <summary>Timed forward passes.</summary>
    public int ForwardSteps { get; init; } = 5;

    /// <summary>Timed decode steps (one token each).</summary>
    public int DecodeTokens { get; init; } = 16;

    /// <summary>Phases to run.</summary>
    public BenchPhases Phases { get; init; } = BenchPhases.All;

    /// <summary>Resident weight format; 16-bit formats run the decode phase only (training needs float32).</summary>
    public WeightFormat Weights { get; init; } = WeightFormat.F32;

    /// <summary>Seed of the weights and tokens.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Checks the settings; throws <see cref="Sift.Core.SiftException"/> naming the option.</summary>
    public BenchOptions Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new Sift.Core.SiftException(message);
            }
        }
        Require(Threads >= 1, $"--threads: expected an integer ≥ 1, got {Threads}");
        Require(SeqLen >= 2 && SeqLen <= Config.MaxPositionEmbeddings, $"--seq-len: expected 2..{Config.MaxPositionEmbeddings} (the config's max_position_embeddings), got {SeqLen}");
        Require(TokensPerStep >= SeqLen && TokensPerStep % SeqLen == 0, $"--tokens-per-step: expected a positive multiple of the sequence length {SeqLen}, got {TokensPerStep}");
        Require(WarmupSteps >= 0, $"--warmup: expected ≥ 0, got {WarmupSteps}");
        Require(TrainSteps >= 1 && ForwardSteps >= 1, $"--steps: expected ≥ 1, got {Math.Min(TrainSteps, ForwardSteps)}");
        Require(DecodeTokens >= 1, $"--decode-tokens: expected ≥ 1, got {DecodeTokens}");
        Require(Sift.Engine.Kernels.Gemm.GemmFactory.Precisions.Contains(Precision),
            $"--precision: expected {string.Join(" or ", Sift.Engine.Kernels.Gemm.GemmFactory.Precisions)}, got '{Precision}'");
        Require(Phases != BenchPhases.None, "--phases: choose at least one of train, forward, decode, rm");
        Require(Weights == WeightFormat.F32 || Phases == BenchPhases.Decode, $"--weights {Weights.Name()}: 16-bit weights are measured in the decode phase only (--phases decode)");
        return this;
    }
}
