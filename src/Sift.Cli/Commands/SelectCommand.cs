using System.CommandLine;
using System.Text.Json;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Curation.Input;
using Sift.Curation.Selection;
using Sift.Eval.Datasets;

namespace Sift.Cli.Commands;

/// <summary>`sift select domain|diverse`: keep the part of a data file worth training on.</summary>
internal static class SelectCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create() => new("select", "Data selection: in-domain text from a general corpus (TRAIT-style), a quality-aware diverse subset of SFT data (QaDS-style).")
    {
        Domain(), Diverse(),
    };

    private static Command Domain()
    {
        var input = new Option<string>("--input", "-i") { Description = "The general corpus to select from (JSONL or one item per line)", Required = true };
        var target = new Option<string>("--target") { Description = "In-domain examples (e.g. curated math problems)", Required = true };
        var background = new Option<string?>("--background") { Description = "General text to contrast with (default: the input corpus itself)" };
        var (output, keep, scores, field, badLines, json) = Common();
        var targetField = new Option<string?>("--target-field") { Description = "JSONL field(s) of the --target file (default: --field)" };
        var cmd = new Command("domain", """
            TRAIT-style in-domain selection: a naive Bayes classifier over word unigrams and bigrams (normalised text,
            numbers as one feature) learns in-domain text (--target) against general text (--background, default the
            corpus), scores every corpus item by its mean log-likelihood ratio and keeps the top --keep. The summary
            reports the classifier's accuracy on a held-out tenth of both sets, so you see whether the two are separable.
              sift select domain -i web.jsonl --target gsm8k_train.jsonl --target-field question,answer --keep 0.2 -o web-math.jsonl
            """)
        { input, target, background, targetField, output, keep, scores, field, badLines, json };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            string[] fields = Fields(pr.GetValue(field)!);
            var corpus = new TextSource { Path = pr.GetRequiredValue(input), Fields = fields };
            var t = new TextSource { Path = pr.GetRequiredValue(target), Fields = pr.GetValue(targetField) is { } tf ? Fields(tf) : fields };
            var b = pr.GetValue(background) is { } bg ? new TextSource { Path = bg, Fields = fields } : null;
            bool asJson = pr.GetValue(json);
            var console = asJson ? null : new ConsoleProgress();
            var s = SelectionRun.InDomain(corpus, t, b, KeepAmount.Parse(pr.GetValue(keep)!, "--keep"), pr.GetRequiredValue(output), pr.GetValue(scores),
                Policy(pr, badLines), console);
            console?.Done();
            return Print(s, asJson, () =>
                Console.WriteLine($"classifier: {s.Features:N0} features from {s.TargetItems:N0} in-domain and {s.BackgroundItems:N0} general items; held-out accuracy {s.HoldoutAccuracy:P1}; kept scores ≥ {s.Threshold}"));
        }));
        return cmd;
    }

    private static Command Diverse()
    {
        var input = new Option<string>("--input", "-i") { Description = "SFT data to select from (JSONL or one item per line)", Required = true };
        var quality = new Option<string?>("--quality-field") { Description = "Numeric field with each item's quality (e.g. the score `sift rm score` writes); none: diversity only" };
        var theta = new Option<double>("--theta") { Description = "Weight of quality against diversity (kernel q = exp(theta * standardised quality))", DefaultValueFactory = _ => 1.0 };
        var (output, keep, scores, field, badLines, json) = Common();
        var cmd = new Command("diverse", """
            QaDS-style quality-aware diverse selection: a determinantal point process whose kernel is TF-IDF cosine
            similarity weighted by quality (exp(theta * standardised quality)), with greedy MAP inference (Chen et al.
            2018): each pick adds the item that most grows the selected set's log-determinant, so near-duplicates of what
            is already chosen lose and good items win. Memory is items x kept x 8 bytes.
              sift select diverse -i sft.scored.jsonl --field question,completion --quality-field score --keep 5000 -o sft.selected.jsonl
            """)
        { input, quality, theta, output, keep, scores, field, badLines, json };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            double th = pr.GetValue(theta);
            if (!double.IsFinite(th) || th < 0)
            {
                throw new SiftException($"--theta: expected a number ≥ 0, got {th}");
            }
            var corpus = new TextSource { Path = pr.GetRequiredValue(input), Fields = Fields(pr.GetValue(field)!) };
            bool asJson = pr.GetValue(json);
            var console = asJson ? null : new ConsoleProgress();
            var s = SelectionRun.Diverse(corpus, pr.GetValue(quality), th, KeepAmount.Parse(pr.GetValue(keep)!, "--keep"), pr.GetRequiredValue(output),
                pr.GetValue(scores), Policy(pr, badLines), console);
            console?.Done();
            return Print(s, asJson, () =>
                Console.WriteLine($"mean nearest-neighbour similarity of the kept set {s.MeanNearestSimilarityKept}" +
                    (s.MeanNearestSimilarityTopQuality is { } tq ? $" (the {s.Kept:N0} best by quality alone: {tq}); mean standardised quality kept {s.QualityMeanKept}" : "")));
        }));
        return cmd;
    }

    private static (Option<string> Output, Option<string> Keep, Option<string?> Scores, Option<string> Field, Option<string> BadLines, Option<bool> Json) Common()
    {
        var output = new Option<string>("--output", "-o") { Description = "The kept lines, byte for byte, in input order", Required = true };
        var keep = new Option<string>("--keep") { Description = "A share of the items (0.2) or a count (5000)", DefaultValueFactory = _ => "0.2" };
        var scores = new Option<string?>("--scores") { Description = "Also write every item's score and rank here (JSONL)" };
        var field = new Option<string>("--field") { Description = "JSONL field(s) holding an item's text, comma-separated", DefaultValueFactory = _ => "text" };
        var badLines = new Option<string>("--bad-lines") { Description = "Malformed lines: abort (default) or skip (left out of the output, counted)", DefaultValueFactory = _ => "abort" };
        badLines.AcceptOnlyFromAmong("abort", "skip");
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        return (output, keep, scores, field, badLines, json);
    }

    private static string[] Fields(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static BadLinePolicy Policy(ParseResult pr, Option<string> o) => pr.GetValue(o) == "skip" ? BadLinePolicy.Skip : BadLinePolicy.Abort;

    private static int Print(SelectionSummary s, bool asJson, Action details)
    {
        if (asJson)
        {
            CommandRunner.WriteJson(JsonSerializer.SerializeToNode(s, Json)!);
            return 0;
        }
        Console.WriteLine($"{s.Method}: kept {s.Kept:N0} of {s.Items:N0} items -> {s.Output}" + (s.SkippedLines > 0 ? $" ({s.SkippedLines:N0} malformed lines skipped)" : "") + $"; {s.Seconds}s");
        details();
        return 0;
    }
}
