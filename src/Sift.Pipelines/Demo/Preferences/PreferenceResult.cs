namespace Sift.Pipelines.Demo.Preferences;

/// <summary>One stage's held-out score for one seed.</summary>
/// <param name="Seed">The seed (the base model is the same for every seed).</param>
/// <param name="Score">Its held-out figures.</param>
internal sealed record SeedScore(ulong Seed, HeldOutScore Score);

/// <summary>A column of the report: the base model, SFT, or one iteration of a rule, with its score per seed.</summary>
/// <param name="Name">"base", "sft", "kto-1", ...</param>
/// <param name="Label">Words for it ("KTO, iteration 1").</param>
/// <param name="Rule">kto or dpo for an iteration; null for base and SFT.</param>
/// <param name="Iteration">The iteration (0 for base and SFT).</param>
/// <param name="Scores">Per seed, in seed order (one entry for the base model).</param>
internal sealed record StageScores(string Name, string Label, string? Rule, int Iteration, IReadOnlyList<SeedScore> Scores)
{
    /// <summary>Accuracy over the seeds.</summary>
    public SeedSpread Accuracy => SeedSpread.Of(Scores.Select(s => s.Score.Accuracy));

    /// <summary>The accuracy of one seed (NaN when absent).</summary>
    public double AccuracyOf(ulong seed) => Scores.FirstOrDefault(s => s.Seed == seed)?.Score.Accuracy ?? double.NaN;
}

/// <summary>Everything one `sift demo preferences` run produced.</summary>
internal sealed record PreferenceResult
{
    /// <summary>The options it ran with.</summary>
    public required PreferenceOptions Options { get; init; }

    /// <summary>The output folder.</summary>
    public required string Folder { get; init; }

    /// <summary>The command line, for the report.</summary>
    public required string Command { get; init; }

    /// <summary>Every stage, in the order run.</summary>
    public required IReadOnlyList<StageRecord> Stages { get; init; }

    /// <summary>Base, SFT, then each rule's iterations.</summary>
    public required IReadOnlyList<StageScores> Columns { get; init; }

    /// <summary>The decontamination check and the planted leak.</summary>
    public required LeakCheckResult Leaks { get; init; }

    /// <summary>Each self-training run's iterations, by rule and seed.</summary>
    public required IReadOnlyList<(string Rule, ulong Seed, SelfTrainStageResult Run)> SelfTrain { get; init; }

    /// <summary>Wall time of this invocation.</summary>
    public required double WallSeconds { get; init; }

    /// <summary>1-minute load average at the start and the end.</summary>
    public required (double Start, double End) Load { get; init; }

    /// <summary>The SFT column.</summary>
    public StageScores Sft => Columns.First(c => c.Name == "sft");

    /// <summary>Per seed, a column's accuracy minus SFT's of the same seed.</summary>
    public SeedSpread VersusSft(StageScores column) =>
        SeedSpread.Of(Options.Seeds.Select(s => column.AccuracyOf(s) - Sft.AccuracyOf(s)));

    /// <summary>How a column compares with SFT over the seeds (paired 95% interval of the difference).</summary>
    public Outcome OutcomeVersusSft(StageScores column)
    {
        var d = VersusSft(column);
        return d.N < 2 ? Outcome.OneSeed : !d.Excludes(0) ? Outcome.WithinNoise : d.Mean > 0 ? Outcome.Better : Outcome.Worse;
    }

    /// <summary>One sentence: does preference learning beat SFT by more than the seed-to-seed spread?</summary>
    public string Conclusion
    {
        get
        {
            var pref = Columns.Where(c => c.Rule is not null).ToList();
            if (pref.Count == 0)
            {
                return "no preference iterations were run";
            }
            var parts = pref.Select(c => $"{c.Label} {Words(OutcomeVersusSft(c))}");
            return "against SFT on held-out accuracy: " + string.Join("; ", parts);
        }
    }

    /// <summary>An outcome in words.</summary>
    public static string Words(Outcome o) => o.Beyond();
}
