using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Sift.Core;
using Sift.Curation.Decontamination;
using Sift.Curation.Input;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Demo.Preferences;

/// <summary>The held-out problem planted into a copy of the fine-tuning problems, and what the check made of it.</summary>
internal sealed record PlantedLeak
{
    /// <summary>Index of the held-out problem in eval.jsonl.</summary>
    [JsonPropertyName("held_out_index")]
    public int HeldOutIndex { get; init; }

    /// <summary>The held-out question.</summary>
    [JsonPropertyName("held_out")]
    public string HeldOut { get; init; } = "";

    /// <summary>The planted paraphrase (question sentence first, every number changed).</summary>
    [JsonPropertyName("planted")]
    public string Planted { get; init; } = "";

    /// <summary>0-based index of the planted item in the copy (its last item).</summary>
    [JsonPropertyName("planted_index")]
    public int PlantedIndex { get; init; }

    /// <summary>Unigram Jaccard of the planted item and the held-out problem, when the check examined the pair.</summary>
    [JsonPropertyName("unigram_jaccard")]
    public double? UnigramJaccard { get; init; }

    /// <summary>Training items of the copy the check flagged (0-based).</summary>
    [JsonPropertyName("flagged")]
    public IReadOnlyList<int> Flagged { get; init; } = [];

    /// <summary>True when the check flagged the planted item and nothing else.</summary>
    [JsonIgnore]
    public bool CaughtExactly => Flagged.Count == 1 && Flagged[0] == PlantedIndex;
}

/// <summary>The decontamination of the fine-tuning problems against the held-out set, and the planted-leak control.</summary>
internal sealed record LeakCheckResult
{
    /// <summary>Training problems of the built-in corpus.</summary>
    [JsonPropertyName("training_problems")]
    public int TrainingProblems { get; init; }

    /// <summary>Held-out problems checked.</summary>
    [JsonPropertyName("held_out_problems")]
    public int HeldOutProblems { get; init; }

    /// <summary>Unigram-Jaccard threshold (strictly above flags).</summary>
    [JsonPropertyName("threshold")]
    public double Threshold { get; init; }

    /// <summary>Held-out problems Orca-Math's single check flags against all training problems.</summary>
    [JsonPropertyName("raw_flagged_held_out")]
    public int RawFlaggedHeldOut { get; init; }

    /// <summary>Training problems in those flagged pairs.</summary>
    [JsonPropertyName("raw_flagged_training")]
    public int RawFlaggedTraining { get; init; }

    /// <summary>Training problems removed until a fresh check of the rest flagged nothing.</summary>
    [JsonPropertyName("removed")]
    public int Removed { get; init; }

    /// <summary>Decontamination runs (each removes until clean; the idf changes with what is left, so a fresh run may find more).</summary>
    [JsonPropertyName("rounds")]
    public int Rounds { get; init; }

    /// <summary>Problems left: the fine-tuning and self-training problems.</summary>
    [JsonPropertyName("clean_problems")]
    public int CleanProblems { get; init; }

    /// <summary>Held-out problems the fresh check of the clean problems flags (0 when the rounds converged).</summary>
    [JsonPropertyName("clean_flagged_held_out")]
    public int CleanFlaggedHeldOut { get; init; }

    /// <summary>The planted-leak control.</summary>
    [JsonPropertyName("planted")]
    public PlantedLeak Planted { get; init; } = new();
}

/// <summary>
/// Decontaminates the fine-tuning problems against the held-out set with `sift decontaminate`'s library (Orca-Math's
/// check: each held-out question's 10 nearest training questions by TF-IDF cosine, flagged above a unigram Jaccard of
/// 0.5), removing flagged problems and checking afresh until a check flags nothing; then plants a paraphrase of a held-out
/// problem with every number changed into a copy of the clean problems and checks that exactly it is flagged.
/// </summary>
internal static partial class LeakCheck
{
    /// <summary>Decontamination runs before giving up (three suffice on the built-in corpus).</summary>
    public const int MaxRounds = 6;

    /// <summary>Runs the check in <paramref name="dir"/>; writes <c>clean.jsonl</c> (the decontaminated problems) and <c>planted.jsonl</c>.</summary>
    public static LeakCheckResult Run(string trainingJsonl, string evalJsonl, string dir, double threshold, int threads, CancellationToken cancel = default)
    {
        var options = new DecontaminationOptions { UnigramThreshold = threshold, Threads = threads };
        var heldOut = BenchmarkInputs.FromFile(Source(evalJsonl), "held-out");
        var raw = Decontaminator.Run(Source(trainingJsonl), [heldOut], options with { UntilClean = false }, cancel: cancel);
        string current = trainingJsonl;
        int rounds = 0, removed = 0, lastFlagged;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            rounds++;
            var run = Decontaminator.Run(Source(current), [heldOut], options, cancel: cancel);
            lastFlagged = run.Report.Benchmarks.Sum(b => b.FlaggedItems);
            if (run.Report.FlaggedTrainingItems == 0 || rounds == MaxRounds)
            {
                break;
            }
            string next = Path.Combine(dir, $"round-{rounds}.jsonl");
            removed += CleanCopy.Write(run, next);
            if (current != trainingJsonl)
            {
                File.Delete(current);
            }
            current = next;
        }
        string clean = Path.Combine(dir, "clean.jsonl");
        if (current == trainingJsonl)
        {
            File.Copy(current, clean, overwrite: true);
        }
        else
        {
            File.Move(current, clean, overwrite: true);
        }
        var cleanProblems = ProblemProbe.Load(clean);
        var planted = Plant(clean, evalJsonl, Path.Combine(dir, "planted.jsonl"), cleanProblems.Count, options, heldOut, cancel);
        return new LeakCheckResult
        {
            TrainingProblems = raw.Report.Training.Items,
            HeldOutProblems = heldOut.Items.Count,
            Threshold = threshold,
            RawFlaggedHeldOut = raw.Report.Benchmarks.Sum(b => b.FlaggedItems),
            RawFlaggedTraining = raw.Report.FlaggedTrainingItems,
            Removed = removed,
            Rounds = rounds,
            CleanProblems = cleanProblems.Count,
            CleanFlaggedHeldOut = lastFlagged,
            Planted = planted,
        };
    }

    /// <summary>
    /// A paraphrase of <paramref name="question"/> with other numbers: its last sentence (the question asked) moved to
    /// the front, and every number n written as n + 10, so the leak shares the problem's wording but none of its numbers.
    /// </summary>
    public static string Paraphrase(string question)
    {
        var sentences = SentenceBreak().Split(question.Trim()).Where(s => s.Length > 0).ToList();
        string reordered = sentences.Count > 1 ? string.Join(" ", [sentences[^1], .. sentences[..^1]]) : question;
        return NumberPattern().Replace(reordered, m => (decimal.Parse(m.Value, CultureInfo.InvariantCulture) + 10).ToString(CultureInfo.InvariantCulture));
    }

    private static PlantedLeak Plant(string clean, string evalJsonl, string planted, int cleanCount, DecontaminationOptions options, BenchmarkInput heldOut,
        CancellationToken cancel)
    {
        var target = ProblemProbe.Load(evalJsonl)[0];
        string text = Paraphrase(target.Question);
        File.Copy(clean, planted, overwrite: true);
        var leak = new HeldOutProblem(text, target.Solution, target.Answer, target.Tier);
        using (var w = File.AppendText(planted))
        {
            string line = new System.Text.Json.Nodes.JsonObject { ["question"] = leak.Question, ["solution"] = leak.Solution, ["answer"] = leak.Answer, ["tier"] = leak.Tier }.ToJsonString();
            w.Write(line + "\n");
        }
        var run = Decontaminator.Run(Source(planted), [heldOut], options with { UntilClean = false }, cancel: cancel);
        var flagged = run.Report.Flagged.Select(f => f.TrainIndex).Distinct().Order().ToList();
        // The pair's Jaccard, when the check examined it (it is among the held-out problem's nearest).
        var pair = run.Neighbours[0][0].FirstOrDefault(n => n.TrainIndex == cleanCount);
        return new PlantedLeak
        {
            HeldOutIndex = 0,
            HeldOut = target.Question,
            Planted = text,
            PlantedIndex = cleanCount,
            UnigramJaccard = pair is null ? null : Math.Round(pair.UnigramJaccard, 4),
            Flagged = flagged,
        };
    }

    private static TextSource Source(string path) => new() { Path = path, Format = TextFormat.Jsonl, Fields = ["question"] };

    // Between sentences: after . ? or ! and before whitespace (so "3.5" is not a break).
    [GeneratedRegex(@"(?<=[.?!])\s+")]
    private static partial Regex SentenceBreak();

    [GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial Regex NumberPattern();
}
