using System.Text.Json;
using System.Text.Json.Serialization;
using Sift.Core;

namespace Sift.Pipelines.Demo.Preferences;

/// <summary>A stage's held-out accuracy for one seed in summary.json.</summary>
internal sealed record SeedAccuracy
{
    /// <summary>The seed (absent for the base model, shared by all seeds).</summary>
    [JsonPropertyName("seed")]
    public ulong? Seed { get; init; }

    /// <summary>Held-out accuracy.</summary>
    [JsonPropertyName("accuracy")]
    public double Accuracy { get; init; }

    /// <summary>Problems decoded.</summary>
    [JsonPropertyName("accuracy_problems")]
    public int AccuracyProblems { get; init; }

    /// <summary>Mean loss of the reference answers' tokens.</summary>
    [JsonPropertyName("answer_loss")]
    public double? AnswerLoss { get; init; }
}

/// <summary>A mean over seeds with its spread and 95% interval.</summary>
internal sealed record SpreadSummary
{
    /// <summary>Mean.</summary>
    [JsonPropertyName("mean")]
    public double Mean { get; init; }

    /// <summary>Sample standard deviation (null with one seed).</summary>
    [JsonPropertyName("sd")]
    public double? Sd { get; init; }

    /// <summary>Lower end of the 95% Student-t interval (null with one seed).</summary>
    [JsonPropertyName("low")]
    public double? Low { get; init; }

    /// <summary>Upper end.</summary>
    [JsonPropertyName("high")]
    public double? High { get; init; }

    /// <summary>The summary of <paramref name="s"/>.</summary>
    public static SpreadSummary Of(SeedSpread s) => new()
    {
        Mean = Math.Round(s.Mean, 6),
        Sd = Finite(s.Sd),
        Low = Finite(s.Low),
        High = Finite(s.High),
    };

    private static double? Finite(double v) => double.IsFinite(v) ? Math.Round(v, 6) : null;
}

/// <summary>One column of the report in summary.json.</summary>
internal sealed record StageSummary
{
    /// <summary>"base", "sft", "kto-1", ...</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>Words for it.</summary>
    [JsonPropertyName("label")]
    public string Label { get; init; } = "";

    /// <summary>kto or dpo for an iteration.</summary>
    [JsonPropertyName("rule")]
    public string? Rule { get; init; }

    /// <summary>The iteration (0 for base and SFT).</summary>
    [JsonPropertyName("iteration")]
    public int Iteration { get; init; }

    /// <summary>Accuracy per seed.</summary>
    [JsonPropertyName("per_seed")]
    public IReadOnlyList<SeedAccuracy> PerSeed { get; init; } = [];

    /// <summary>Accuracy over the seeds.</summary>
    [JsonPropertyName("accuracy")]
    public SpreadSummary Accuracy { get; init; } = new();

    /// <summary>Per seed, this stage's accuracy − SFT's (null for base and SFT).</summary>
    [JsonPropertyName("vs_sft")]
    public SpreadSummary? VersusSft { get; init; }

    /// <summary>better, worse, within_noise or one_seed (null for base and SFT).</summary>
    [JsonPropertyName("outcome")]
    public string? Outcome { get; init; }
}

/// <summary>A self-training iteration of one rule and seed in summary.json.</summary>
internal sealed record IterationSummary
{
    /// <summary>kto or dpo.</summary>
    [JsonPropertyName("rule")]
    public string Rule { get; init; } = "";

    /// <summary>The seed.</summary>
    [JsonPropertyName("seed")]
    public ulong Seed { get; init; }

    /// <summary>The iteration's figures.</summary>
    [JsonPropertyName("iteration")]
    public IterationResult Iteration { get; init; } = new();
}

/// <summary>summary.json of `sift demo preferences` (and its --json output): typed, read back by <see cref="Read"/>.</summary>
internal sealed record PreferenceSummary
{
    /// <summary>Format name.</summary>
    public const string FormatName = "sift-demo-preferences";

    /// <summary>Format name.</summary>
    [JsonPropertyName("format")]
    public string Format { get; init; } = FormatName;

    /// <summary>Schema version.</summary>
    [JsonPropertyName("version")]
    public int Version { get; init; } = 1;

    /// <summary>The command line.</summary>
    [JsonPropertyName("command")]
    public string Command { get; init; } = "";

    /// <summary>The seeds.</summary>
    [JsonPropertyName("seeds")]
    public IReadOnlyList<ulong> Seeds { get; init; } = [];

    /// <summary>Held-out problems in the set (each stage decodes <c>accuracy_problems</c> of them).</summary>
    [JsonPropertyName("held_out_problems")]
    public int HeldOutProblems { get; init; }

    /// <summary>The verdict in one sentence.</summary>
    [JsonPropertyName("conclusion")]
    public string Conclusion { get; init; } = "";

    /// <summary>Base, SFT, then each rule's iterations.</summary>
    [JsonPropertyName("stages")]
    public IReadOnlyList<StageSummary> Stages { get; init; } = [];

    /// <summary>Every self-training iteration.</summary>
    [JsonPropertyName("iterations")]
    public IReadOnlyList<IterationSummary> Iterations { get; init; } = [];

    /// <summary>The decontamination check and the planted leak.</summary>
    [JsonPropertyName("leaks")]
    public LeakCheckResult Leaks { get; init; } = new();

    /// <summary>Seconds per stage when it ran (0 when cached), by stage name.</summary>
    [JsonPropertyName("stage_seconds")]
    public SortedDictionary<string, double> StageSeconds { get; init; } = [];

    /// <summary>Stages found finished and skipped.</summary>
    [JsonPropertyName("cached")]
    public IReadOnlyList<string> Cached { get; init; } = [];

    /// <summary>Wall time of this invocation.</summary>
    [JsonPropertyName("wall_seconds")]
    public double WallSeconds { get; init; }

    /// <summary>1-minute load average at the start (null where unknown).</summary>
    [JsonPropertyName("load_start")]
    public double? LoadStart { get; init; }

    /// <summary>1-minute load average at the end.</summary>
    [JsonPropertyName("load_end")]
    public double? LoadEnd { get; init; }

    /// <summary>Builds the summary of <paramref name="r"/>.</summary>
    public static PreferenceSummary Build(PreferenceResult r) => new()
    {
        Command = r.Command,
        Seeds = r.Options.Seeds,
        HeldOutProblems = r.Options.Demo.Corpus.EvalPerTier * r.Options.Demo.Corpus.EvalTiers.Count,
        Conclusion = r.Conclusion,
        Stages = [.. r.Columns.Select(c => new StageSummary
        {
            Name = c.Name,
            Label = c.Label,
            Rule = c.Rule,
            Iteration = c.Iteration,
            PerSeed = [.. c.Scores.Select(s => new SeedAccuracy
            {
                Seed = c.Name == "base" ? null : s.Seed,
                Accuracy = s.Score.Accuracy,
                AccuracyProblems = s.Score.AccuracyProblems,
                AnswerLoss = s.Score.AnswerLoss,
            })],
            Accuracy = SpreadSummary.Of(c.Accuracy),
            VersusSft = c.Rule is null ? null : SpreadSummary.Of(r.VersusSft(c)),
            Outcome = c.Rule is null ? null : OutcomeName(r.OutcomeVersusSft(c)),
        })],
        Iterations = [.. r.SelfTrain.SelectMany(x => x.Run.Iterations.Select(i => new IterationSummary { Rule = x.Rule, Seed = x.Seed, Iteration = i }))],
        Leaks = r.Leaks,
        StageSeconds = new SortedDictionary<string, double>(r.Stages.ToDictionary(s => s.Name, s => s.Cached ? 0 : s.Seconds), StringComparer.Ordinal),
        Cached = [.. r.Stages.Where(s => s.Cached).Select(s => s.Name)],
        WallSeconds = Math.Round(r.WallSeconds, 1),
        LoadStart = double.IsFinite(r.Load.Start) ? r.Load.Start : null,
        LoadEnd = double.IsFinite(r.Load.End) ? r.Load.End : null,
    };

    /// <summary>The JSON text (indented).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, PreferenceJson.Indented.PreferenceSummary);

    /// <summary>Reads a summary.json; errors name the file.</summary>
    public static PreferenceSummary Read(string path)
    {
        try
        {
            var s = JsonSerializer.Deserialize(File.ReadAllText(path), PreferenceJson.Default.PreferenceSummary) ?? throw new SiftException($"{path}: empty summary");
            return s.Format == FormatName ? s : throw new SiftException($"{path}: format \"{s.Format}\", expected \"{FormatName}\"");
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{path}: not a preference-demo summary: {ex.Message}");
        }
    }

    /// <summary>better, worse, within_noise or one_seed.</summary>
    public static string OutcomeName(Outcome o) => o.JsonName();
}
