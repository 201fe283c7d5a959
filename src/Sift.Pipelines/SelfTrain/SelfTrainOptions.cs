using Sift.Core;

namespace Sift.Pipelines.SelfTrain;

/// <summary>How an iteration turns graded samples into training data.</summary>
internal enum SelfTrainRule
{
    /// <summary>Orca-Math with DPO: every (positive, negative) pair of a problem, positives including the teacher solution.</summary>
    Dpo,

    /// <summary>Orca-Math with KTO: every positive and negative solution with its label.</summary>
    Kto,

    /// <summary>SAFE-style: SFT on verified samples plus repair examples (failed attempt + verifier feedback → a correct solution).</summary>
    Safe,
}

/// <summary>What decides whether a sample is right.</summary>
internal enum SelfTrainVerifier
{
    /// <summary>The answer extracted from the completion is graded against the gold one.</summary>
    Grader,

    /// <summary>The completion's program runs in the python sandbox (PAL); its <c>str(solution())</c> is graded, a failure is the feedback.</summary>
    Program,
}

/// <summary>Names of <see cref="SelfTrainRule"/> as the command line spells them.</summary>
internal static class SelfTrainRules
{
    /// <summary>dpo, kto or safe.</summary>
    public static string Name(this SelfTrainRule rule) => rule switch
    {
        SelfTrainRule.Dpo => "dpo",
        SelfTrainRule.Kto => "kto",
        _ => "safe",
    };

    /// <summary>Parses dpo, kto or safe.</summary>
    public static SelfTrainRule Parse(string name) => name switch
    {
        "dpo" => SelfTrainRule.Dpo,
        "kto" => SelfTrainRule.Kto,
        "safe" => SelfTrainRule.Safe,
        _ => throw new SiftException($"--rule: unknown rule '{name}' (expected dpo, kto or safe)"),
    };

    /// <summary>The train.objective an iteration of this rule trains with.</summary>
    public static string Objective(this SelfTrainRule rule) => rule switch
    {
        SelfTrainRule.Dpo => "dpo",
        SelfTrainRule.Kto => "kto",
        _ => "sft",
    };
}

/// <summary>Settings of a <see cref="SelfTrainLoop"/> (`sift selftrain`).</summary>
internal sealed record SelfTrainOptions
{
    /// <summary>The model folder iteration 1 samples from and trains from.</summary>
    public required string Model { get; init; }

    /// <summary>Problems JSONL: <c>question</c> (or <c>problem</c>), and a gold <c>answer</c> and/or a teacher <c>solution</c> (<see cref="SelfTrainProblems"/>).</summary>
    public required string Problems { get; init; }

    /// <summary>tokenizer.json or its folder; null = the model folder's.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>How samples become training data.</summary>
    public SelfTrainRule Rule { get; init; } = SelfTrainRule.Kto;

    /// <summary>What verifies samples: the answer grader, or the python sandbox running the completion's program.</summary>
    public SelfTrainVerifier Verifier { get; init; } = SelfTrainVerifier.Grader;

    /// <summary>Sandbox: wall-clock seconds per program.</summary>
    public double ExecTimeoutSeconds { get; init; } = 10;

    /// <summary>Iterations to run (a rerun with more continues after the finished ones).</summary>
    public int Iterations { get; init; } = 1;

    /// <summary>Samples per problem (Orca-Math: 4).</summary>
    public int SamplesPerProblem { get; init; } = 4;

    /// <summary>Nucleus mass (Orca-Math: 0.95).</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Sampling temperature (Orca-Math: 0.7).</summary>
    public float Temperature { get; init; } = 0.7f;

    /// <summary>Most new tokens per sample.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>Base seed of sampling (each problem, sample and iteration derives its own) and of training.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>How a question becomes the prompt; <c>{question}</c> is replaced (default: the question and a newline, Sift's synthetic layout).</summary>
    public string PromptTemplate { get; init; } = "{question}\n";

    /// <summary>DPO: most pairs per problem (0 = every positive × negative pair, as the paper).</summary>
    public int MaxPairsPerProblem { get; init; }

    /// <summary>Passes over an iteration's examples when train.max_steps is not given.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Held-out problems (same fields) judged greedily before the loop and after every iteration; null = none.</summary>
    public string? HeldOut { get; init; }

    /// <summary>Training recipe overrides (<c>key=value</c>, `sift train --list-keys`), applied over the loop's defaults.</summary>
    public IReadOnlyList<string> TrainOverrides { get; init; } = [];

    /// <summary>Compute threads for sampling and training.</summary>
    public int Threads { get; init; } = Math.Min(Environment.ProcessorCount, 2);

    /// <summary>Prompts generated together.</summary>
    public int Batch { get; init; } = 16;

    /// <summary>Checks the values; errors name the option.</summary>
    public void Validate()
    {
        if (Iterations < 1)
        {
            throw new SiftException($"--iterations must be at least 1, got {Iterations}");
        }
        if (SamplesPerProblem < 1)
        {
            throw new SiftException($"--samples must be at least 1, got {SamplesPerProblem}");
        }
        if (MaxTokens < 1)
        {
            throw new SiftException($"--max-tokens must be at least 1, got {MaxTokens}");
        }
        if (MaxPairsPerProblem < 0)
        {
            throw new SiftException($"--max-pairs must be 0 (all) or more, got {MaxPairsPerProblem}");
        }
        if (Epochs < 1)
        {
            throw new SiftException($"--epochs must be at least 1, got {Epochs}");
        }
        if (ExecTimeoutSeconds <= 0)
        {
            throw new SiftException($"--exec-timeout must be positive, got {ExecTimeoutSeconds}");
        }
        if (!PromptTemplate.Contains("{question}", StringComparison.Ordinal))
        {
            throw new SiftException($"--prompt-template must contain {{question}}, got \"{PromptTemplate}\"");
        }
        new Sift.Engine.Inference.SamplingOptions { Temperature = Temperature, TopP = TopP }.Validate();
    }
}
