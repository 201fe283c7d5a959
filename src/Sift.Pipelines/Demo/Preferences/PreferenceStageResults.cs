using System.Text.Json.Serialization;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Demo.Preferences;

/// <summary>A model's figures on the held-out problems (batched greedy decoding, the demo's grader).</summary>
internal sealed record HeldOutScore
{
    /// <summary>Share of decoded problems answered right.</summary>
    [JsonPropertyName("accuracy")]
    public double Accuracy { get; init; }

    /// <summary>Problems decoded.</summary>
    [JsonPropertyName("accuracy_problems")]
    public int AccuracyProblems { get; init; }

    /// <summary>Mean loss of the reference answers' tokens.</summary>
    [JsonPropertyName("answer_loss")]
    public double? AnswerLoss { get; init; }

    /// <summary>Mean loss of the whole reference documents.</summary>
    [JsonPropertyName("clean_loss")]
    public double? CleanLoss { get; init; }

    /// <summary>The score of an evaluation record (a training run's final evaluation).</summary>
    public static HeldOutScore From(MetricsLine? line, string what) => line is { Accuracy: double a, AccuracyProblems: int n }
        ? new HeldOutScore { Accuracy = a, AccuracyProblems = n, AnswerLoss = line.AnswerLoss, CleanLoss = line.CleanLoss }
        : throw new Sift.Core.SiftException($"{what}: the run has no final held-out accuracy (eval.problems was not judged)");
}

/// <summary>What the problems stage depends on.</summary>
/// <param name="Synth">Key of the corpus stage.</param>
/// <param name="Threshold">Unigram-Jaccard threshold of the decontamination check.</param>
/// <param name="MaxLength">Longest SFT example in tokens (the SFT run's window).</param>
/// <param name="Problems">Easy problems in the self-training file.</param>
internal sealed record ProblemsStageInputs(
    [property: JsonPropertyName("synth")] string Synth,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("max_length")] int MaxLength,
    [property: JsonPropertyName("problems")] int Problems);

/// <summary>What the problems stage made: the decontaminated training problems, their SFT examples and the self-training problems.</summary>
internal sealed record ProblemsStageResult : IStageResult
{
    /// <summary>Every training problem of the corpus ({question, solution, answer, tier}).</summary>
    [JsonPropertyName("all")]
    public required string All { get; init; }

    /// <summary>The problems left after decontamination.</summary>
    [JsonPropertyName("clean")]
    public required string Clean { get; init; }

    /// <summary>Packed answer-only SFT examples of the clean problems.</summary>
    [JsonPropertyName("sft")]
    public required string Sft { get; init; }

    /// <summary>SFT examples packed.</summary>
    [JsonPropertyName("sft_examples")]
    public long SftExamples { get; init; }

    /// <summary>The easy clean problems sampled by self-training.</summary>
    [JsonPropertyName("selftrain")]
    public required string SelfTrain { get; init; }

    /// <summary>Problems in it.</summary>
    [JsonPropertyName("selftrain_problems")]
    public int SelfTrainProblems { get; init; }

    /// <summary>The decontamination check and the planted leak.</summary>
    [JsonPropertyName("leaks")]
    public required LeakCheckResult Leaks { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public double? Flops => null;
}

/// <summary>One self-training iteration as the report needs it.</summary>
internal sealed record IterationResult
{
    /// <summary>1-based iteration.</summary>
    [JsonPropertyName("iteration")]
    public int Iteration { get; init; }

    /// <summary>The model after it.</summary>
    [JsonPropertyName("model")]
    public string Model { get; init; } = "";

    /// <summary>False when there was nothing to train on (the model is the start model).</summary>
    [JsonPropertyName("trained")]
    public bool Trained { get; init; }

    /// <summary>Accuracy of the sampled solutions (temperature sampling on training problems).</summary>
    [JsonPropertyName("sample_accuracy")]
    public double SampleAccuracy { get; init; }

    /// <summary>Pairs or labelled solutions trained on.</summary>
    [JsonPropertyName("examples")]
    public int Examples { get; init; }

    /// <summary>Optimizer steps.</summary>
    [JsonPropertyName("steps")]
    public long Steps { get; init; }

    /// <summary>Seconds of sampling and grading.</summary>
    [JsonPropertyName("sample_seconds")]
    public double SampleSeconds { get; init; }

    /// <summary>Seconds of training.</summary>
    [JsonPropertyName("train_seconds")]
    public double TrainSeconds { get; init; }

    /// <summary>The model on the held-out problems.</summary>
    [JsonPropertyName("held_out")]
    public HeldOutScore HeldOut { get; init; } = new();
}

/// <summary>What a self-training stage depends on.</summary>
/// <param name="Rule">kto or dpo.</param>
/// <param name="Seed">Seed of sampling and training.</param>
/// <param name="Start">Key of the SFT stage it starts from.</param>
/// <param name="Problems">Key of the problems stage.</param>
/// <param name="Settings">The loop's settings (canonical text).</param>
internal sealed record SelfTrainStageInputs(
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("start")] string Start,
    [property: JsonPropertyName("problems")] string Problems,
    [property: JsonPropertyName("settings")] SortedDictionary<string, string> Settings);

/// <summary>What a self-training stage produced: its iterations, each judged on the held-out problems.</summary>
internal sealed record SelfTrainStageResult : IStageResult
{
    /// <summary>The loop's folder.</summary>
    [JsonPropertyName("run")]
    public required string Run { get; init; }

    /// <summary>The iterations, in order.</summary>
    [JsonPropertyName("iterations")]
    public required IReadOnlyList<IterationResult> Iterations { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public double? Flops => null;
}
