using System.Text.RegularExpressions;
using Sift.Curation.Decontamination;
using Sift.Curation.Input;
using Sift.Synth;
using Xunit.Abstractions;

namespace Sift.Curation.Tests;

/// <summary>
/// The built-in corpus's held-out problems (<c>sift data synth</c>'s eval.jsonl) against its clean training problems
/// (clean/train.jsonl), at the default size, as <c>sift decontaminate --train synth/clean/train.jsonl --test
/// synth/eval.jsonl --test-field question,solution --same-numbers --clean-output …</c> checks them.
/// </summary>
public sealed partial class BuiltInHeldOutTests(ITestOutputHelper output)
{
    // Whole problems (question and worked solution) on both sides. Templates share their wording, so Orca-Math's
    // rule alone flags problems that merely share a template; requiring the same numbers, derived ones included,
    // keeps the pairs that pose the same arithmetic.
    private static readonly DecontaminationOptions SameNumbers = new() { RequireSameNumbers = true };

    [Fact]
    public void HeldOutSet_DecontaminatedTraining_ReportsNoLeak_PlantedLeakIsCaught()
    {
        var corpus = new SynthCorpus(new SynthOptions());
        var docs = corpus.CleanDocuments().ToList();
        string dir = TestFiles.Dir();
        string train = TestFiles.Jsonl(dir, "train0.jsonl", "text", docs.Select(d => d.Text));
        var eval = new BenchmarkInput("synth-eval", null, [.. corpus.Eval.Select((p, i) => new BenchmarkItem(i, i + 1, p.Question + "\n" + p.Solution))]);
        Assert.Equal(300, eval.Items.Count);

        // One pass (Orca-Math's top 10) and until clean: what is flagged poses a held-out problem's arithmetic with its numbers in
        // another order, under another template or tier, or as the first steps of a harder problem; never the
        // held-out instance itself (same template, tier and numbers in order), which the generator excludes.
        var first = Decontaminator.Run(new TextSource { Path = train }, [eval], SameNumbers with { UntilClean = false });
        output.WriteLine($"one pass: {first.Report.Benchmarks[0].FlaggedItems} held-out problems flagged, {first.Report.FlaggedTrainingItems} training items");
        Assert.NotEmpty(first.Report.Flagged);
        var run = Decontaminator.Run(new TextSource { Path = train }, [eval], SameNumbers);
        foreach (var f in first.Report.Flagged.Concat(run.Report.Flagged))
        {
            var e = corpus.Eval[f.Idx];
            var d = docs[f.TrainIndex];
            Assert.True(f.SameNumbers);
            Assert.False(d.Template == e.Template && d.Tier == e.Tier && Key(d.Text[..d.Text.IndexOf('\n', StringComparison.Ordinal)]) == Key(e.Question),
                $"held-out instance in training: {e.Question} || {d.Text}");
        }

        // Removing flagged items until nothing more is flagged; the clean copy, checked again, reports no leak.
        Assert.True(run.Report.Converged);
        Assert.True(run.Report.FlaggedTrainingItems < docs.Count / 50, $"{run.Report.FlaggedTrainingItems} items removed");
        output.WriteLine($"until clean: {run.Report.Passes} passes, {run.Report.FlaggedTrainingItems} of {docs.Count} training items removed");
        string clean = Path.Combine(dir, "clean.jsonl");
        CleanCopy.Write(run, clean);
        var again = Decontaminator.Run(new TextSource { Path = clean }, [eval], SameNumbers with { UntilClean = false });
        Assert.Equal(docs.Count - run.Report.FlaggedTrainingItems, again.Report.Training.Items);
        Assert.Empty(again.Report.Flagged);
        train = clean;
        int kept = again.Report.Training.Items;

        // A held-out problem copied into the clean training data under another name is caught.
        var victim = corpus.Eval[17];
        string name = victim.Question[..victim.Question.IndexOf(' ', StringComparison.Ordinal)];
        string leak = (victim.Question + "\n" + victim.Solution).Replace(name, name == "Zoe" ? "Ivan" : "Zoe", StringComparison.Ordinal);
        File.AppendAllText(train, System.Text.Json.JsonSerializer.Serialize(new { text = leak }) + "\n");
        var caught = Decontaminator.Run(new TextSource { Path = train }, [eval], SameNumbers);
        var pair = Assert.Single(caught.Report.Flagged);
        Assert.Equal((17, leak, kept), (pair.Idx, pair.TrainText, pair.TrainIndex));

        // Orca-Math's rule alone flags far more: held-out problems whose template siblings (other numbers) are in training.
        var orca = Decontaminator.Run(new TextSource { Path = train }, [eval], new DecontaminationOptions());
        output.WriteLine($"unigram Jaccard > 0.5 alone flags {orca.Report.Benchmarks[0].FlaggedItems} of {eval.Items.Count} held-out problems");
        Assert.True(orca.Report.Benchmarks[0].FlaggedItems > 10 * caught.Report.Benchmarks[0].FlaggedItems);
    }

    // The generator's instance key: the question's numbers in order.
    private static string Key(string question) => string.Join(',', Number().Matches(question).Select(m => m.Value));

    [GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial Regex Number();
}
