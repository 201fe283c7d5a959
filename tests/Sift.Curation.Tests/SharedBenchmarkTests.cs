using Sift.Core.Random;
using Sift.Curation.Decontamination;
using Sift.Curation.Input;
using Sift.Eval.Datasets;
using Sift.Synth;
using Xunit.Abstractions;

namespace Sift.Curation.Tests;

/// <summary>Against the real benchmark files in ../shared/data (skipped without them).</summary>
public sealed class SharedBenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public void AllElevenBenchmarks_Resolve_AndPlantedGsm8kVariantsAreFoundAsBruteForceFindsThem()
    {
        if (SharedData.DataRoot() is null)
        {
            output.WriteLine("SKIPPED: no shared data folder (set SIFT_SHARED or put it at ../shared)");
            return;
        }
        var all = BenchmarkInputs.FromRegistry(null, null);
        Assert.Equal(11, all.Count);
        Assert.All(all, b => Assert.Null(b.Missing));
        Assert.Equal(DatasetRegistry.All.Sum(d => d.ExpectedCount), all.Sum(b => b.Items.Count));
        Assert.DoesNotContain(all.Single(b => b.Name == "mmlu_stem").Items, i => i.Text.Contains("right choice? Explain", StringComparison.Ordinal));

        // GSM8K questions with every integer changed (+1), planted among built-in training problems.
        var gsm8k = all.Single(b => b.Name == "gsm8k");
        var rng = new Rng(11);
        var training = new SynthCorpus(new SynthOptions { Seed = 5, CleanDocuments = 3000, WebChars = 0, EvalPerTier = 1 }).CleanDocuments().Select(d => d.Text).ToList();
        var sources = Enumerable.Range(0, 20).Select(_ => gsm8k.Items[rng.NextInt(gsm8k.Items.Count)]).DistinctBy(i => i.Idx).ToList();
        foreach (var item in sources)
        {
            training.Insert(rng.NextInt(training.Count + 1), DecontaminationBench.ChangeNumbers(item.Text));
        }
        string train = TestFiles.Jsonl(TestFiles.Dir(), "train.jsonl", "text", training);
        var run = Decontaminator.Run(new TextSource { Path = train }, [gsm8k], new DecontaminationOptions { UntilClean = false });

        // Expected, for the planted sources: the brute-force top 10 by cosine, flagged where unigram Jaccard > 0.5.
        var brute = new BruteForce.TfIdf(training);
        int found = 0;
        foreach (var item in sources)
        {
            var expected = brute.Ranking(item.Text).Take(10).Where(x => BruteForce.Jaccard(item.Text, training[x.Doc], 1) > 0.5).Select(x => x.Doc).Order();
            var actual = run.Report.Flagged.Where(f => f.Idx == item.Idx).Select(f => f.TrainIndex).Order();
            Assert.Equal(expected, actual);
            found += actual.Contains(training.IndexOf(DecontaminationBench.ChangeNumbers(item.Text))) ? 1 : 0;
        }
        output.WriteLine($"{found} of {sources.Count} planted variants flagged; {run.Report.Flagged.Count} pairs over all of GSM8K");
        Assert.True(found >= sources.Count * 3 / 4, $"only {found} of {sources.Count} planted variants flagged");
    }
}
