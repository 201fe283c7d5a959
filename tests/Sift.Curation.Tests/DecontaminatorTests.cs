using Sift.Core;
using Sift.Curation.Decontamination;
using Sift.Curation.Input;
using Sift.Synth;

namespace Sift.Curation.Tests;

public sealed class DecontaminatorTests
{
    // Benchmark-like questions written for these tests.
    private static readonly string[] Questions =
    [
        "A bakery sells muffins for $3 each and cookies for $2 each. On Monday it sold 45 muffins and 60 cookies. How much money did the bakery make on Monday?",
        "Tom's garden has 12 rows of tomato plants with 8 plants in each row. A storm destroys 15 plants. How many tomato plants are left?",
        "A train travels 240 kilometres in 3 hours. At the same speed, how far does it travel in 5 hours?",
        "Find the derivative of f(x) = x^3 sin(x) with respect to x.",
        "Which element has the atomic number 8? A. Nitrogen B. Oxygen C. Carbon D. Helium",
        "Lena reads 25 pages of her novel every evening. The novel has 400 pages. After 9 evenings, how many pages does she still have to read?",
    ];

    // Near-duplicates of questions 0, 1 and 2: a few words changed and numbers changed.
    private static readonly (int Question, string Text)[] Planted =
    [
        (0, "A bakery sells muffins for $4 each and cookies for $2 each. On Monday the bakery sold 52 muffins and 60 cookies. How much money did it make on Monday?"),
        (1, "Tom's garden has 14 rows of tomato plants, with 9 plants in every row. A storm destroys 11 plants. How many tomato plants are left in the garden?"),
        (2, "A train travels 300 kilometres in 3 hours. At the same speed, how far does the train travel in 5 hours?"),
    ];

    private static List<string> SynthTraining(int count) =>
        [.. new SynthCorpus(new SynthOptions { Seed = 3, CleanDocuments = count, WebChars = 0, EvalPerTier = 1 }).CleanDocuments().Select(d => d.Text)];

    private static (DecontaminationRun Run, string Dir, string Train, List<int> PlantedAt) RunPlanted(DecontaminationOptions? options = null)
    {
        string dir = TestFiles.Dir();
        var training = SynthTraining(1500);
        var at = new List<int>();
        foreach (var (_, text) in Planted)
        {
            int pos = 100 + (at.Count * 617);
            training.Insert(pos, text);
            at.Add(pos);
        }
        string train = TestFiles.Jsonl(dir, "train.jsonl", "text", training);
        string test = TestFiles.Jsonl(dir, "test.jsonl", "question", Questions);
        var bench = BenchmarkInputs.FromFile(new TextSource { Path = test, Fields = ["question"] });
        var run = Decontaminator.Run(new TextSource { Path = train }, [bench], options ?? new DecontaminationOptions());
        return (run, dir, train, at);
    }

    [Fact]
    public void PlantedNearDuplicates_AreFlagged_UnrelatedItemsPass()
    {
        var (run, _, _, at) = RunPlanted();
        var flagged = run.Report.Flagged;
        for (int p = 0; p < Planted.Length; p++)
        {
            Assert.True(BruteForce.Jaccard(Questions[Planted[p].Question], Planted[p].Text, 1) > 0.5);
            var pair = Assert.Single(flagged, f => f.Idx == Planted[p].Question);
            Assert.Equal(at[p], pair.TrainIndex);
            Assert.Equal(at[p] + 1, pair.TrainLine);
            Assert.Equal(1, pair.Rank);
            Assert.Equal(Planted[p].Text, pair.TrainText);
            Assert.False(pair.SameNumbers);
            Assert.True(pair.UnigramJaccard > 0.5);
        }
        Assert.Equal(Planted.Length, flagged.Count);
        var summary = Assert.Single(run.Report.Benchmarks);
        Assert.Equal((Questions.Length, Planted.Length, Planted.Length), (summary.Items, summary.FlaggedItems, summary.FlaggedPairs));
        Assert.Equal(Planted.Length, run.Report.FlaggedTrainingItems);
    }

    [Fact]
    public void ReportedOverlaps_EqualBruteForceJaccards()
    {
        var (run, _, train, _) = RunPlanted(new DecontaminationOptions { NgramN = 2 });
        var texts = TextItemReader.Read(new TextSource { Path = train }, Eval.Datasets.BadLinePolicy.Abort, new ReadReport()).Select(i => i.Text).ToList();
        var neighbours = run.Neighbours.Single();
        int pairs = 0;
        for (int q = 0; q < Questions.Length; q++)
        {
            Assert.InRange(neighbours[q].Count, 0, 10);
            foreach (var n in neighbours[q])
            {
                Assert.Equal(BruteForce.Jaccard(Questions[q], texts[n.TrainIndex], 1), n.UnigramJaccard, 12);
                Assert.Equal(BruteForce.Jaccard(Questions[q], texts[n.TrainIndex], 2), n.NgramJaccard, 12);
                pairs++;
            }
        }
        Assert.True(pairs >= 40, $"only {pairs} pairs examined");
    }

    [Fact]
    public void NgramThreshold_AndSameNumbers_ChangeWhatIsFlagged()
    {
        // Requiring the same numbers drops the planted pairs (their numbers were changed) ...
        Assert.Empty(RunPlanted(new DecontaminationOptions { RequireSameNumbers = true }).Run.Report.Flagged);
        // ... and an n-gram threshold alone (unigram off) keeps only pairs whose word order also matches.
        var run = RunPlanted(new DecontaminationOptions { UnigramThreshold = 1, NgramN = 2, NgramThreshold = 0.3 }).Run;
        Assert.NotEmpty(run.Report.Flagged);
        Assert.All(run.Report.Flagged, f => Assert.True(f.NgramJaccard > 0.3));
        Assert.All(run.Neighbours.Single().SelectMany(n => n), n => Assert.Equal(n.NgramJaccard > 0.3, n.Flagged));
    }

    [Fact]
    public void ExactCopy_WithTheSameNumbers_IsFlaggedUnderEveryRule()
    {
        string dir = TestFiles.Dir();
        var training = SynthTraining(300);
        training.Insert(17, "Question: " + Questions[5] + "\nAnswer: 400 - 9 * 25 = 175 pages.");
        string train = TestFiles.Jsonl(dir, "t.jsonl", "text", training);
        var bench = new BenchmarkInput("mine", null, [new BenchmarkItem(0, 1, Questions[5])]);
        var run = Decontaminator.Run(new TextSource { Path = train }, [bench], new DecontaminationOptions { RequireSameNumbers = true, NgramThreshold = 0.5 });
        var pair = Assert.Single(run.Report.Flagged);
        Assert.Equal(17, pair.TrainIndex);
        Assert.True(pair.SameNumbers);
    }

    [Fact]
    public void MissingBenchmark_IsReported_NoneFound_IsAnError()
    {
        string data = TestFiles.Dir();
        Directory.CreateDirectory(Path.Combine(data, "gsm8k"));
        TestFiles.Raw(data, "gsm8k/test.jsonl",
            "{\"question\": \"" + Questions[2] + "\", \"answer\": \"240 / 3 * 5 = 400\\n#### 400\"}\n");
        var inputs = BenchmarkInputs.FromRegistry(["gsm8k", "math"], data);
        Assert.Null(inputs[0].Missing);
        Assert.Contains("no data file for math", inputs[1].Missing);
        string train = TestFiles.Jsonl(TestFiles.Dir(), "t.jsonl", "text", [Planted[2].Text, "unrelated words here"]);
        var run = Decontaminator.Run(new TextSource { Path = train }, inputs, new DecontaminationOptions());
        Assert.Equal(["checked", "missing"], run.Report.Benchmarks.Select(b => b.Status));
        Assert.Equal(0, Assert.Single(run.Report.Flagged).TrainIndex);
        var ex = Assert.Throws<SiftException>(() => Decontaminator.Run(new TextSource { Path = train }, [inputs[1]], new DecontaminationOptions()));
        Assert.Contains("no benchmark to check", ex.Message);
        Assert.Contains("math", ex.Message);
    }

    [Fact]
    public void MultipleChoiceInstruction_IsNotPartOfTheCheckedText()
    {
        string q = "Which is prime?\nWhat of the following is the right choice? Explain your answer.\nA. 4\nB. 7";
        Assert.Equal("Which is prime?\nA. 4\nB. 7", BenchmarkInputs.QuestionText(q));
    }
}
