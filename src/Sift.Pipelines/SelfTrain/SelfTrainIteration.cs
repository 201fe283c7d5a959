namespace Sift.Pipelines.SelfTrain;

/// <summary>What one iteration measured (its <c>metrics.json</c> holds the whole <see cref="SelfTrainIteration"/>).</summary>
internal sealed record SelfTrainMetrics
{
    /// <summary>Problems sampled.</summary>
    public int Problems { get; init; }

    /// <summary>Samples graded.</summary>
    public int Samples { get; init; }

    /// <summary>Correct samples.</summary>
    public int Correct { get; init; }

    /// <summary>Correct / samples: the accuracy of the model being improved, at the sampling temperature.</summary>
    public double SampleAccuracy { get; init; }

    /// <summary>Problems with at least one correct sample.</summary>
    public int ProblemsSolved { get; init; }

    /// <summary>How the examples were built.</summary>
    public ExampleCounts Data { get; init; } = new();

    /// <summary>Examples trained on (pairs, labelled solutions or SFT examples).</summary>
    public int Examples { get; init; }

    /// <summary>Optimizer steps of this iteration's training (0 when skipped).</summary>
    public long TrainSteps { get; init; }

    /// <summary>Loss of the first logged step (DPO starts at ln 2, KTO at 0.5 with the default weights), or null.</summary>
    public double? FirstLoss { get; init; }

    /// <summary>Loss of the last step, or null when training was skipped.</summary>
    public double? TrainLoss { get; init; }

    /// <summary>KTO: the λ_D trained with (balanced by the loop unless given with --set), else null.</summary>
    public double? KtoDesirableWeight { get; init; }

    /// <summary>KTO: the λ_U trained with, else null.</summary>
    public double? KtoUndesirableWeight { get; init; }

    /// <summary>Greedy accuracy of the model after this iteration on the held-out problems, or null without --eval.</summary>
    public double? HeldOutAccuracy { get; init; }

    /// <summary>Seconds of sampling and grading.</summary>
    public double SampleSeconds { get; init; }

    /// <summary>Seconds of training.</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Seconds of the held-out evaluation.</summary>
    public double EvalSeconds { get; init; }
}

/// <summary>One finished iteration of a <see cref="SelfTrainLoop"/>: where its data and model are, and what it measured.</summary>
internal sealed record SelfTrainIteration
{
    /// <summary>1-based iteration.</summary>
    public int Iteration { get; init; }

    /// <summary>dpo, kto or safe.</summary>
    public string Rule { get; init; } = "";

    /// <summary>The model that was sampled and trained from.</summary>
    public string StartModel { get; init; } = "";

    /// <summary>The graded samples (samples.jsonl).</summary>
    public string SamplesFile { get; init; } = "";

    /// <summary>The examples as JSONL (examples.jsonl).</summary>
    public string ExamplesFile { get; init; } = "";

    /// <summary>The packed example dataset (examples/), or null when there was nothing to train on.</summary>
    public string? ExamplesDataset { get; init; }

    /// <summary>The model after this iteration (model/); the start model when training was skipped.</summary>
    public string Checkpoint { get; init; } = "";

    /// <summary>True when the iteration trained a new model.</summary>
    public bool Trained { get; init; }

    /// <summary>Why training was skipped, or null.</summary>
    public string? SkipReason { get; init; }

    /// <summary>The iteration's numbers.</summary>
    public SelfTrainMetrics Metrics { get; init; } = new();
}

/// <summary>summary.json: the run's settings and every finished iteration.</summary>
internal sealed record SelfTrainSummary
{
    /// <summary>dpo, kto or safe.</summary>
    public string Rule { get; init; } = "";

    /// <summary>The starting model.</summary>
    public string Model { get; init; } = "";

    /// <summary>The problems file.</summary>
    public string Problems { get; init; } = "";

    /// <summary>Greedy held-out accuracy of the starting model, or null without --eval.</summary>
    public double? BaselineHeldOutAccuracy { get; init; }

    /// <summary>The model after the last iteration.</summary>
    public string FinalModel { get; init; } = "";

    /// <summary>The iterations, in order.</summary>
    public List<SelfTrainIteration> Iterations { get; init; } = [];
}
