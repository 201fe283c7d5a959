using Sift.Core;
using Sift.Core.Reporting;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Training;

/// <summary>What a finished (or stopped) run reports.</summary>
internal sealed record TrainSummary(string RunDir, string ModelDir, long Steps, long Tokens, double FinalLoss, double? EvalLoss, double TokensPerSecond, double Seconds, bool Stopped)
{
    /// <summary>The last evaluation record (eval_loss and, with eval.problems, clean_loss, answer_loss, accuracy, tiers), or null.</summary>
    public MetricsLine? FinalEval { get; init; }

    /// <summary>Tokens that received gradient (selected tokens for selective objectives; all tokens for clm).</summary>
    public long TrainedTokens { get; init; }

    /// <summary>Seconds of this invocation's optimizer steps (data, forward, objective, backward, clipping, AdamW; no evaluation or checkpoints).</summary>
    public double StepSeconds { get; init; }

    /// <summary>Seconds of those spent in the objective's weights (the cost of selection: reading reference scores, ranking, accounting).</summary>
    public double ObjectiveSeconds { get; init; }
}

/// <summary>
/// Runs a training recipe end to end. Read top to bottom, <see cref="Execute"/> is the whole story: check the run
/// folder, open data, model, optimizer and objective, start fresh or restore the latest checkpoint, run the step
/// loop (with evaluation and checkpoints at their intervals), then save the final model and charts.
/// </summary>
internal sealed class TrainingRun(TrainRecipe recipe, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Stop early after this many steps of this invocation (used by tests to simulate a kill).</summary>
    public long? StopAfterSteps { get; init; }

    /// <summary>Runs (or resumes) the recipe.</summary>
    public TrainSummary Execute(bool resume, CancellationToken cancel = default)
    {
        string runDir = Path.GetFullPath(recipe.OutDir);
        var store = new CheckpointStore(runDir);
        string? latest = CheckRunFolder(store, runDir, resume);
        Directory.CreateDirectory(runDir);

        using var session = TrainingSession.Open(recipe, runDir, store, _progress);
        if (resume && latest is not null)
        {
            session.Restore(latest);
        }
        else
        {
            session.StartFresh();
        }
        session.WriteRunFiles();
        bool stopped = session.RunSteps(StopAfterSteps, cancel);
        return session.Finish(stopped, firstInvocation: latest is null);
    }

    private string? CheckRunFolder(CheckpointStore store, string runDir, bool resume)
    {
        string? latest = store.Latest();
        if (!resume && latest is not null)
        {
            throw new SiftException($"{runDir}: the run folder already has checkpoints; pass --resume to continue it, or choose another out_dir (--set out_dir=...)");
        }
        if (resume && latest is null)
        {
            _progress.Line($"resume: no checkpoint in {store.Root}; starting from step 0");
        }
        return latest;
    }
}
