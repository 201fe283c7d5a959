using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sift.Pipelines.Demo.Preferences;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Tests.Demo;

/// <summary>The preference demo's decontamination: training problems read back from the corpus, removal until clean, the planted leak.</summary>
public sealed partial class LeakCheckTests
{
    [Fact]
    public void Paraphrase_PutsTheQuestionFirst_AndChangesEveryNumber()
    {
        const string q = "Nora buys 4 bags of feathers. Each bag has 5 feathers. How many feathers does Nora buy?";
        string p = LeakCheck.Paraphrase(q);
        Assert.Equal("How many feathers does Nora buy? Nora buys 14 bags of feathers. Each bag has 15 feathers.", p);
        // Same words apart from the numbers, none of which survives.
        static string[] Words(string s) => [.. Regex.Split(s, @"\W+").Where(w => w.Length > 0 && !char.IsDigit(w[0])).Order(StringComparer.Ordinal)];
        Assert.Equal(Words(q), Words(p));
        static HashSet<string> Numbers(string s) => [.. Regex.Matches(s, @"\d+").Select(m => m.Value)];
        Assert.Empty(Numbers(q).Intersect(Numbers(p)));
        Assert.Equal("It costs 13.5 dollars.", LeakCheck.Paraphrase("It costs 3.5 dollars."));
    }

    [Fact]
    public void Run_RemovesNearCopiesUntilAFreshCheckIsClean_AndCatchesExactlyThePlantedLeak()
    {
        string dir = Directory.CreateTempSubdirectory("sift-leaks").FullName;
        string eval = Path.Combine(dir, "eval.jsonl"), train = Path.Combine(dir, "train.jsonl");
        var held = new[]
        {
            P("Nora buys 4 bags of feathers. Each bag has 5 feathers. How many feathers does Nora buy?", "20"),
            P("A train travels 60 miles in 2 hours. What is its speed in miles per hour?", "30"),
        };
        TrainingProblems.Write(held, eval);
        // Unrelated problems, plus one near copy of a held-out problem (another name and number): it must go.
        var training = Enumerable.Range(0, 40).Select(i => P($"Problem {i}: a garden of {i + 3} rows grows tulips of colour {Colour(i)} near pond {i % 7}. Count them.", "1")).ToList();
        training.Insert(17, P("Owen buys 4 bags of feathers. Each bag has 6 feathers. How many feathers does Owen buy?", "24"));
        TrainingProblems.Write(training, train);

        var r = LeakCheck.Run(train, eval, dir, threshold: 0.5, threads: 1);
        Assert.Equal(41, r.TrainingProblems);
        Assert.Equal(1, r.RawFlaggedHeldOut);
        Assert.Equal(1, r.RawFlaggedTraining);
        Assert.Equal(1, r.Removed);
        Assert.Equal(40, r.CleanProblems);
        Assert.Equal(0, r.CleanFlaggedHeldOut);
        var clean = ProblemProbe.Load(Path.Combine(dir, "clean.jsonl"));
        Assert.DoesNotContain(clean, p => p.Question.StartsWith("Owen", StringComparison.Ordinal));
        Assert.Equal(training.Where(p => !p.Question.StartsWith("Owen", StringComparison.Ordinal)).Select(p => p.Question), clean.Select(p => p.Question));

        // The planted copy: the clean problems plus the paraphrase, flagged alone.
        Assert.Equal(40, r.Planted.PlantedIndex);
        Assert.Equal([40], r.Planted.Flagged);
        Assert.True(r.Planted.CaughtExactly);
        Assert.Equal(LeakCheck.Paraphrase(held[0].Question), r.Planted.Planted);
        // Unigram Jaccard after normalisation (stop words out): {nora, buys, bags, feathers, bag, many, buy} shared, the 4 numbers apart: 7/11.
        Assert.Equal(7.0 / 11, r.Planted.UnigramJaccard!.Value, 3);
        var planted = File.ReadAllLines(Path.Combine(dir, "planted.jsonl"));
        Assert.Equal(41, planted.Length);
        Assert.Equal(r.Planted.Planted, (string)JsonNode.Parse(planted[^1])!["question"]!);
    }

    [Fact]
    public void FromCleanCorpus_SplitsProblemDocuments_SkipsProse_AndNamesTheBadLine()
    {
        string dir = Directory.CreateTempSubdirectory("sift-problems").FullName;
        string path = Path.Combine(dir, "train.jsonl");
        File.WriteAllLines(path,
        [
            """{"text":"Ann has 3 apples. She gets 2 more. How many apples does she have?\nShe has 3 + 2 = 5 apples.\n#### 5","kind":"problem","tier":"easy","template":"more"}""",
            """{"text":"Perimeter\nThe perimeter is the distance around.","kind":"math_prose","template":"Perimeter"}""",
            "",
            """{"text":"A box holds 6 pens. How many pens do 3 boxes hold?\nStep: 6 * 3 = 18.\nSo 18 pens.\n#### 18","kind":"problem","tier":"medium","template":"boxes"}""",
        ]);
        var p = TrainingProblems.FromCleanCorpus(path);
        Assert.Equal(2, p.Count);
        Assert.Equal(new HeldOutProblem("Ann has 3 apples. She gets 2 more. How many apples does she have?", "She has 3 + 2 = 5 apples.\n#### 5", "5", "easy"), p[0]);
        Assert.Equal("Step: 6 * 3 = 18.\nSo 18 pens.\n#### 18", p[1].Solution);
        Assert.Equal("18", p[1].Answer);
        // Written as the held-out layout and read back by the held-out reader.
        string outPath = Path.Combine(dir, "problems.jsonl");
        TrainingProblems.Write(p, outPath);
        Assert.Equal(p, ProblemProbe.Load(outPath));

        File.AppendAllText(path, """{"text":"no solution here","kind":"problem"}""" + "\n");
        var ex = Assert.Throws<Sift.Core.SiftException>(() => TrainingProblems.FromCleanCorpus(path));
        Assert.Contains($"{path}:5", ex.Message);
    }

    private static HeldOutProblem P(string q, string a) => new(q, $"So {a}.\n#### {a}", a, "easy");

    private static string Colour(int i) => new[] { "red", "blue", "green", "amber", "violet" }[i % 5] + (i / 5);
}
