using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Eval.Datasets;
using Xunit.Abstractions;

namespace Sift.Eval.Tests;

public sealed class DatasetTests(ITestOutputHelper output)
{
    /// <summary>
    /// Records written in each release's layout (Golden/records), read through the definitions, must give the
    /// question and gold that the harness's own parse_question / parse_ground_truth / evaluate() produce
    /// (Golden/expected.json was produced by running that Python code on the same records).
    /// </summary>
    [Fact]
    public void SyntheticRecords_MatchTheHarnessReference()
    {
        var expected = JsonNode.Parse(File.ReadAllText(TestPaths.Golden("expected.json")))!.AsObject();
        Assert.Equal(DatasetRegistry.All.Count, expected.Count);
        foreach (var def in DatasetRegistry.All)
        {
            var ds = DatasetLoader.Load(def, TestPaths.Golden("records", def.Name + ".jsonl"));
            var rows = expected[def.Name]!.AsArray();
            Assert.Equal(rows.Count, ds.Problems.Count);
            for (int i = 0; i < rows.Count; i++)
            {
                var p = ds.Problems[i];
                Assert.Equal((int)rows[i]!["idx"]!, p.Idx);
                Assert.Equal((string)rows[i]!["question"]!, p.Question);
                Assert.Equal((string)rows[i]!["gold_compat"]!, p.CompatGold);
            }
        }
    }

    [Fact]
    public void StrictGolds_AreTheDatasetAnswers()
    {
        string Gold(string name, int i) => DatasetLoader.Load(DatasetRegistry.Get(name), TestPaths.Golden("records", name + ".jsonl")).Problems[i].Gold;
        Assert.Equal("2468000", Gold("gsm8k", 1));
        Assert.Equal("\\dfrac{5}{6}", Gold("math", 0));
        // MATH-500's answer field, not the copy the harness's strip_string corrupts ("" and "1\\sqrt{19}").
        Assert.Equal("\\text{east}", Gold("math500", 1));
        Assert.Equal("1 \\pm \\sqrt{19}", Gold("math500", 2));
        Assert.Equal("145", Gold("svamp", 0));
        Assert.Equal("9", Gold("asdiv", 0));
        Assert.Equal("0.625", Gold("mawps", 1));
        Assert.Equal("3244.43333333333", Gold("gsm_hard", 1));
        Assert.Equal("E", Gold("mathqa", 1));
        Assert.Equal("A", Gold("mmlu_stem", 0));
        Assert.Equal("B", Gold("sat_math", 0));
        Assert.Equal("4.5e33", Gold("ocw", 1));
    }

    [Fact]
    public void Breakdowns_ReadSubjectAndLevel()
    {
        var math = DatasetLoader.Load(DatasetRegistry.Get("math"), TestPaths.Golden("records", "math.jsonl")).Problems;
        Assert.Equal(("Prealgebra", "1"), (math[0].Subject, math[0].Level));
        var m500 = DatasetLoader.Load(DatasetRegistry.Get("minerva_math"), TestPaths.Golden("records", "math500.jsonl")).Problems;
        Assert.Equal(("Algebra", "4"), (m500[2].Subject, m500[2].Level));
    }

    [Fact]
    public void UnknownDataset_ListsTheKnownOnes()
    {
        var e = Assert.Throws<SiftException>(() => DatasetRegistry.Get("gsm9k"));
        Assert.Contains("unknown dataset 'gsm9k'", e.Message);
        foreach (var d in DatasetRegistry.All)
        {
            Assert.Contains(d.Name, e.Message);
        }
        Assert.Same(DatasetRegistry.Get("math500"), DatasetRegistry.Get("MINERVA_MATH"));
    }

    [Fact]
    public void MalformedLines_AbortWithFileAndLine_OrAreSkippedAndCounted()
    {
        string dir = TestPaths.TempDir();
        string path = Path.Combine(dir, "bad.jsonl");
        File.WriteAllLines(path,
        [
            """{"question": "q0", "answer": "x\n#### 1"}""",
            """{"question": "q1", "answer": "no separator"}""",
            "",
            """{"question": "q3", "answer": "x\n#### 3""",
            """[1, 2]""",
            """{"question": "q5", "answer": "x\n#### 5"}""",
        ]);
        var def = DatasetRegistry.Get("gsm8k");
        var e = Assert.Throws<SiftException>(() => DatasetLoader.Load(def, path));
        Assert.Contains($"{path}:2:", e.Message);
        Assert.Contains("####", e.Message);

        var warnings = new List<string>();
        var ds = DatasetLoader.Load(def, path, BadLinePolicy.Skip, warnings.Add);
        Assert.Equal([0, 2], ds.Problems.Select(p => p.Idx));
        Assert.Equal([1, 6], ds.Problems.Select(p => p.Line));
        Assert.Equal(3, ds.Report.Skipped);
        Assert.Equal(2, ds.Report.Records);
        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, w => w.Contains($"{path}:4: invalid JSON"));
        Assert.Contains(warnings, w => w.Contains($"{path}:5: expected a JSON object"));
    }

    [Fact]
    public void Resolve_FindsTheHarnessLayoutInAFolder()
    {
        string dir = TestPaths.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "minerva_math"));
        string file = Path.Combine(dir, "minerva_math", "test.jsonl");
        File.Copy(TestPaths.Golden("records", "math500.jsonl"), file);
        Assert.Equal(file, DatasetLoader.Resolve(DatasetRegistry.Get("math500"), dir));
        Assert.Equal(file, DatasetLoader.Resolve(DatasetRegistry.Get("math500"), file));
        Assert.Throws<SiftException>(() => DatasetLoader.Resolve(DatasetRegistry.Get("gsm8k"), dir));
    }

    /// <summary>
    /// Every record of every shared benchmark: idx, question and compat gold digests equal those of the harness's
    /// Python code run on the same files (Golden/shared_reference.json), and the record counts are the releases'.
    /// </summary>
    [Fact]
    public void SharedBenchmarks_MatchTheHarnessOnEveryRecord()
    {
        if (SharedData.DataRoot() is null)
        {
            output.WriteLine("SKIPPED: no shared data folder (set SIFT_SHARED or put it at ../shared)");
            return;
        }
        var reference = JsonNode.Parse(File.ReadAllText(TestPaths.Golden("shared_reference.json")))!.AsObject();
        foreach (var def in DatasetRegistry.All)
        {
            var ds = DatasetLoader.Load(def, DatasetLoader.Resolve(def, null));
            var r = reference[def.Name]!;
            Assert.Equal(def.ExpectedCount, ds.Problems.Count);
            Assert.Equal((int)r["count"]!, ds.Problems.Count);
            // The harness sorts by idx; the files are already in idx order.
            Assert.Equal((string)r["idx"]!, Digest(ds.Problems.Select(p => p.Idx.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            Assert.Equal((string)r["questions"]!, Digest(ds.Problems.Select(p => p.Question)));
            Assert.Equal((string)r["golds"]!, Digest(ds.Problems.Select(p => p.CompatGold)));
            output.WriteLine($"{def.Name}: {ds.Problems.Count} records match ({ds.Path})");
        }
    }

    internal static string Digest(IEnumerable<string> items) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001e', items))));
}
