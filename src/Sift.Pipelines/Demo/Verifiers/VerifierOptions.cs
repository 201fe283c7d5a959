using Sift.Core;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>
/// Everything `sift demo verifiers` does. The solver is the demo's reference model, trained exactly as `sift demo`
/// trains it (<see cref="Solver"/>'s corpus, tokenizer and reference recipe, so the stages and their cache keys are the
/// demo's). The held-out problems of the corpus are split in two: the first <see cref="TestProblems"/> are the ones the
/// curves are measured on, the next <see cref="TrainProblems"/> are the verifiers' training split (Monte-Carlo step
/// labels and outcome labels are drawn only there). Each seed redraws the samples of both splits, the step labels and
/// the verifiers' training, so the intervals cover everything after the solver.
/// </summary>
internal sealed record VerifierOptions
{
    /// <summary>The demo configuration the solver (its reference model) and the corpus come from.</summary>
    public required DemoOptions Solver { get; init; }

    /// <summary>Held-out problems the curves are measured on (the first ones of the corpus's held-out file).</summary>
    public required int TestProblems { get; init; }

    /// <summary>Samples per test problem: the curves go N = 1, 2, 4, ... up to this.</summary>
    public required int Samples { get; init; }

    /// <summary>Problems of the verifiers' training split (the held-out problems after the test ones).</summary>
    public required int TrainProblems { get; init; }

    /// <summary>Solutions sampled per training problem (each labelled by outcome, and step by step by Monte Carlo).</summary>
    public required int TrainSamples { get; init; }

    /// <summary>Completions per step prefix for the Monte-Carlo step labels (Math-Shepherd's K).</summary>
    public required int Rollouts { get; init; }

    /// <summary>Sampling temperature of the solver (solutions and rollouts).</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Most tokens per solution or rollout.</summary>
    public int MaxTokens { get; init; } = 96;

    /// <summary>Random N-subsets per N and problem for the curves.</summary>
    public int Trials { get; init; } = 200;

    /// <summary>Seeds: each redraws the samples, the labels and the verifiers' training.</summary>
    public required IReadOnlyList<ulong> Seeds { get; init; }

    /// <summary>Steps of verifier training (PRM and ORM each).</summary>
    public required int VerifierSteps { get; init; }

    /// <summary>Peak learning rate of verifier training.</summary>
    public double VerifierLr { get; init; } = 1e-3;

    /// <summary>Rows of verifier training: one question and solution with its tags (about 70 tokens on the built-in corpus; longer ones are cut at the end).</summary>
    public int VerifierSeqLen { get; init; } = 128;

    /// <summary>Compute threads.</summary>
    public int Threads => Solver.Threads;

    /// <summary>The default run (about 15 minutes on 2 quiet cores, see the README).</summary>
    public static VerifierOptions Default(IEnumerable<string>? solverSettings = null) => new()
    {
        Solver = DemoSettings.Build(quick: false, solverSettings ?? [], "--set"),
        TestProblems = 200,
        Samples = 32,
        TrainProblems = 300,
        TrainSamples = 4,
        Rollouts = 4,
        Seeds = [1UL, 2UL, 3UL],
        VerifierSteps = 150,
    };

    /// <summary>The CI-sized run: the quick demo's solver, a few problems, N up to 8, two seeds.</summary>
    public static VerifierOptions Quick(IEnumerable<string>? solverSettings = null) => new()
    {
        // 40 held-out problems instead of the quick demo's 10: 12 to test on and 20 to train the verifiers on.
        Solver = DemoSettings.Build(quick: true, ["corpus.eval_per_tier=40", .. solverSettings ?? []], "--set"),
        TestProblems = 12,
        Samples = 8,
        TrainProblems = 20,
        TrainSamples = 2,
        Rollouts = 2,
        MaxTokens = 48,
        Trials = 50,
        Seeds = [1UL, 2UL],
        VerifierSteps = 10,
    };

    /// <summary>Throws a <see cref="SiftException"/> naming the first bad option.</summary>
    public void Validate()
    {
        Solver.Validate();
        void Need(bool ok, string what)
        {
            if (!ok)
            {
                throw new SiftException(what);
            }
        }
        Need(TestProblems >= 1, $"--problems: expected ≥ 1, got {TestProblems}");
        Need(Samples >= 1, $"--n: expected ≥ 1 samples per problem, got {Samples}");
        Need(TrainProblems >= 1, $"train problems: expected ≥ 1, got {TrainProblems}");
        Need(TrainSamples >= 1 && Rollouts >= 1, $"train samples and rollouts: expected ≥ 1, got {TrainSamples} and {Rollouts}");
        Need(Temperature > 0 && float.IsFinite(Temperature), $"--temperature: expected > 0 (the N samples must differ), got {Temperature}");
        Need(MaxTokens >= 1 && Trials >= 1 && VerifierSteps >= 1, "max tokens, trials and verifier steps must be ≥ 1");
        Need(Seeds.Count >= 1 && Seeds.Distinct().Count() == Seeds.Count, $"--seeds: expected one or more distinct seeds, got {string.Join(",", Seeds)}");
        long heldOut = (long)Solver.Corpus.EvalPerTier * Solver.Corpus.EvalTiers.Count;
        Need(TestProblems + TrainProblems <= heldOut,
            $"--problems {TestProblems} + {TrainProblems} training problems exceed the corpus's {heldOut} held-out problems (raise --set corpus.eval_per_tier)");
    }
}
