using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Curation.Mutation;
using Sift.Eval.Datasets;
using Sift.Eval.Programs;
using Sift.Sandbox;
using Xunit.Abstractions;

namespace Sift.Curation.Tests;

/// <summary><c>sift synth mutate</c>'s engine with real python programs in the sandbox.</summary>
public sealed class MutationRunTests(ITestOutputHelper output) : IDisposable
{
    // Generous limits, so that a loaded machine never turns a quick program into a timeout; the timeout test has its own.
    private readonly PythonSandbox _sandbox = new(new SandboxOptions { Timeout = TimeSpan.FromSeconds(20), CpuSeconds = 10, MaxConcurrency = 2 });

    public void Dispose() => _sandbox.Dispose();

    private static string Program(params string[] body) => "def solution():\n" + string.Concat(body.Select(l => "    " + l + "\n"));

    private static string Write(IEnumerable<(string Id, string Question, string Code)> items)
    {
        string path = Path.Combine(TestFiles.Dir(), "in.jsonl");
        File.WriteAllLines(path, items.Select(i => JsonSerializer.Serialize(new { id = i.Id, question = i.Question, code = i.Code })));
        return path;
    }

    // Word problems with PAL programs, written for these tests.
    private static readonly (string Id, string Question, string Code)[] Problems =
    [
        ("marbles", "Ann has 12 marbles and buys 30 more. She gives 5 to her brother. How many marbles does she have?",
            Program("have = 12", "bought = 30", "given = 5", "return have + bought - given")),
        ("garden", "A garden has 14 rows with 9 tomato plants in each row. A storm destroys 11 plants. How many plants are left?",
            Program("rows = 14", "per_row = 9", "destroyed = 11", "return rows * per_row - destroyed")),
        ("savings", "Lena saves $12.50 a week for three weeks and spends $8.25. How many dollars does she have left?",
            Program("\"\"\"Lena saves $12.50 a week for three weeks and spends $8.25.\"\"\"", "weekly = 12.50", "weeks = 3", "spent = 8.25", "return weekly * weeks - spent")),
        ("bus", "A bus carries 45 people. At the first stop 12 get off and 7 get on. How many people are on the bus?",
            Program("people = 45  # 45 at the start", "people -= 12", "people += 7", "return people")),
        ("speed", "A train travels 240 kilometres in 4 hours. How far does it travel in 6 hours at the same speed?",
            Program("distance = 240", "hours = 4", "speed = distance / hours", "return speed * 6")),
    ];

    [Fact]
    public async Task AcceptedMutations_AnswerWhatTheirProgramsReturn_AndChangeQuestionAndCodeAlike()
    {
        string input = Write(Problems);
        string outPath = Path.Combine(Path.GetDirectoryName(input)!, "out.jsonl");
        var s = await SymbolicMutation.RunAsync(input, outPath, new MutationOptions { PerItem = 3, Seed = 7 }, _sandbox);
        output.WriteLine(JsonSerializer.Serialize(s));
        Assert.Equal(5, s.Processed);
        var lines = File.ReadAllLines(outPath).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(s.Accepted, lines.Count);
        Assert.True(lines.Count >= 10, $"only {lines.Count} accepted");
        var sources = Problems.ToDictionary(p => p.Id);
        foreach (var m in lines)
        {
            string code = (string)m["code"]!, question = (string)m["question"]!, answer = (string)m["answer"]!;
            // The answer is what the mutated program returns, run again.
            var rerun = await HarnessExecution.RunSolutionAsync(_sandbox, code, CancellationToken.None);
            Assert.Equal(("Done", answer), (rerun.Report, rerun.Result));
            // Every number of the source question and program maps through the recorded change.
            var p = m["provenance"]!;
            var src = sources[(string)p["source_id"]!];
            var change = p["mutation"]!.AsArray().ToDictionary(c => decimal.Parse((string)c!["from"]!, System.Globalization.CultureInfo.InvariantCulture),
                c => decimal.Parse((string)c!["to"]!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.NotEmpty(change);
            Assert.Equal(QuestionNumbers.Find(src.Question).Select(n => change.GetValueOrDefault(n.Value, n.Value)), QuestionNumbers.Find(question).Select(n => n.Value));
            Assert.Equal(LiteralValues(src.Code).Select(v => change.GetValueOrDefault(v, v)), LiteralValues(code));
            Assert.NotEqual((string)p["source_answer"]!, answer);
            Assert.Equal(7UL, (ulong)p["seed"]!);
            Assert.StartsWith((string)p["source_id"]! + "/m", (string)m["id"]!);
        }
        Assert.Equal(lines.Count, lines.Select(m => (string)m["question"]!).Distinct().Count());
    }

    private static List<decimal> LiteralValues(string code) =>
        [.. PythonLexer.Scan(code).Where(s => s.Kind == PySpanKind.Number).Select(s => PythonLexer.Value(code.Substring(s.Start, s.Length)))];

    [Fact]
    public async Task EveryRejectionAndSkipReason_IsCounted()
    {
        const string Q = "A crate holds 7 pears. How many pears are there?";
        string Guarded(string otherwise) => Program("pears = 7", "if pears == 3 + 4:  # only the source returns 5", "    return 5", otherwise);
        var items = new (string, string, string)[]
        {
            ("zero", Q.Replace("pears", "plums"), Guarded("return 1 / 0")),
            ("slow", Q.Replace("pears", "figs"), Guarded("while True:\n        pass")),
            ("error", Q.Replace("pears", "kiwis"), Guarded("return int('x')")),
            ("text", Q.Replace("pears", "limes"), Guarded("return 'five'")),
            ("fraction", Q.Replace("pears", "dates"), Guarded("return pears + 0.5")),
            ("negative", Q.Replace("pears", "grapes"), Guarded("return -pears")),
            ("same", Q.Replace("pears", "melons"), Program("pears = 7", "return 5")),
            ("nothing", "How many pears are in an empty crate?", Program("return 0")),
            ("broken", Q.Replace("pears", "cherries"), Program("pears = 7", "return pears / 0")),
            ("fine", Q.Replace("pears", "apples"), Program("pears = 7", "return pears * 2")),
        };
        string input = Write(items);
        string outPath = Path.Combine(Path.GetDirectoryName(input)!, "out.jsonl");
        using var quick = new PythonSandbox(new SandboxOptions { Timeout = TimeSpan.FromSeconds(3), CpuSeconds = 3, MaxConcurrency = 2 });
        var s = await SymbolicMutation.RunAsync(input, outPath, new MutationOptions { PerItem = 1, MaxAttempts = 3, Seed = 3 }, quick);
        output.WriteLine(JsonSerializer.Serialize(s));
        var state = File.ReadAllLines(SymbolicMutation.StatePath(outPath)).Select(l => JsonNode.Parse(l)!).ToDictionary(n => (string)n["source_id"]!);
        int Rejected(string id, string reason) => (int?)state[id]["rejected"]![reason] ?? 0;
        Assert.True(Rejected("zero", RejectReason.DivisionByZero) > 0);
        Assert.True(Rejected("slow", RejectReason.Timeout) > 0);
        Assert.True(Rejected("error", RejectReason.Error) > 0);
        Assert.True(Rejected("text", RejectReason.NotANumber) > 0);
        Assert.True(Rejected("fraction", RejectReason.NonInteger) > 0);
        Assert.True(Rejected("negative", RejectReason.Negative) > 0);
        Assert.True(Rejected("same", RejectReason.Unchanged) > 0);
        Assert.Equal(SkipReason.NoLinkedNumbers, (string)state["nothing"]["skipped"]!);
        Assert.Equal(SkipReason.SourceFailed, (string)state["broken"]["skipped"]!);
        Assert.Equal(1, (int)state["fine"]["accepted"]!);
        Assert.Equal((1, 1), (s.SkippedSources[SkipReason.NoLinkedNumbers], s.SkippedSources[SkipReason.SourceFailed]));
        Assert.Equal(7, s.ShortSources);
        Assert.Single(File.ReadAllLines(outPath));
        foreach (string reason in RejectReason.All.Where(r => r != RejectReason.Duplicate))
        {
            Assert.True(s.Rejected[reason] > 0, reason);
        }

        // Duplicates: a number with few possible new values, within one source and against another source's question.
        var dup = Write(
        [
            ("two", "Tom has 2 apples. How many apples does he have when they double?", Program("apples = 2", "return apples * 2")),
            ("three", "Tom has 3 apples. How many apples does he have when they double?", Program("apples = 3", "return apples * 2")),
        ]);
        string dupOut = Path.Combine(Path.GetDirectoryName(dup)!, "out.jsonl");
        var d = await SymbolicMutation.RunAsync(dup, dupOut, new MutationOptions { PerItem = 12, MaxAttempts = 30 }, _sandbox);
        Assert.True(d.Rejected[RejectReason.Duplicate] >= 30 - 8);
        var questions = File.ReadAllLines(dupOut).Select(l => (string)JsonNode.Parse(l)!["question"]!).ToList();
        Assert.Equal(questions.Count, questions.Distinct().Count());
        Assert.DoesNotContain("Tom has 3 apples. How many apples does he have when they double?", questions);
        Assert.DoesNotContain("Tom has 2 apples. How many apples does he have when they double?", questions);
    }

    [Fact]
    public async Task Rerun_SkipsFinishedSources_AndAKilledRunResumesToTheSameOutput()
    {
        string input = Write(Problems);
        string dir = Path.GetDirectoryName(input)!;
        var options = new MutationOptions { PerItem = 2, Seed = 11 };

        string full = Path.Combine(dir, "full.jsonl");
        await SymbolicMutation.RunAsync(input, full, options, _sandbox);

        string staged = Path.Combine(dir, "staged.jsonl");
        var first = await SymbolicMutation.RunAsync(input, staged, options with { Limit = 2 }, _sandbox);
        Assert.Equal(2, first.Processed);
        var second = await SymbolicMutation.RunAsync(input, staged, options, _sandbox);
        Assert.Equal((2, 3), (second.AlreadyDone, second.Processed));
        Assert.Equal(File.ReadAllText(full), File.ReadAllText(staged));
        var again = await SymbolicMutation.RunAsync(input, staged, options, _sandbox);
        Assert.Equal((5, 0, 0), (again.AlreadyDone, again.Processed, again.Accepted));
        Assert.Equal(second.TotalAccepted, again.TotalAccepted);

        // A kill in the middle of writing: the last source's lines are cut and its state line is missing.
        string killed = Path.Combine(dir, "killed.jsonl");
        string text = File.ReadAllText(full);
        File.WriteAllText(killed, text[..(text.Length - 25)]);
        var state = File.ReadAllLines(SymbolicMutation.StatePath(full));
        File.WriteAllLines(SymbolicMutation.StatePath(killed), state[..^1]);
        var resumed = await SymbolicMutation.RunAsync(input, killed, options, _sandbox);
        Assert.Equal((4, 1), (resumed.AlreadyDone, resumed.Processed));
        Assert.Equal(File.ReadAllText(full), File.ReadAllText(killed));
        Assert.Equal(File.ReadAllText(SymbolicMutation.StatePath(full)), File.ReadAllText(SymbolicMutation.StatePath(killed)));
    }

    [Theory]
    [InlineData("{\"question\": \"Ann has 3 pens.\"}", "in.jsonl:1: field \"code\" missing")]
    [InlineData("{\"question\": \"Ann has 3 pens.\", \"code\": [1]}", "in.jsonl:1: field \"code\" is array; expected a string")]
    [InlineData("not json", "in.jsonl:1: invalid JSON")]
    public async Task BadInput_NamesFileLineAndField(string line, string message)
    {
        string input = TestFiles.Raw(TestFiles.Dir(), "in.jsonl", line + "\n");
        var ex = await Assert.ThrowsAsync<SiftException>(() => SymbolicMutation.RunAsync(input, input + ".out", new MutationOptions(), _sandbox));
        Assert.Contains(message, ex.Message.Replace(Path.GetDirectoryName(input)! + "/", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OutputWithoutState_IsNotAppendedTo()
    {
        string input = Write(Problems.Take(1));
        string outPath = Path.Combine(Path.GetDirectoryName(input)!, "other.jsonl");
        File.WriteAllText(outPath, "{\"something\": 1}\n");
        var ex = await Assert.ThrowsAsync<SiftException>(() => SymbolicMutation.RunAsync(input, outPath, new MutationOptions(), _sandbox));
        Assert.Contains("not a mutation run to resume", ex.Message);
        Assert.Equal("{\"something\": 1}\n", File.ReadAllText(outPath));
    }

    [Fact]
    public void ProgramOf_TakesTheFirstPythonBlockOfACompletion()
    {
        Assert.Equal("def solution():\n    return 3\n", SymbolicMutation.ProgramOf("Let me write code.\n```python\ndef solution():\n    return 3\n```\nDone."));
        Assert.Equal("def solution():\n    return 3\n", SymbolicMutation.ProgramOf("def solution():\n    return 3\n"));
    }

    [Fact]
    public async Task SharedGsmHard_MutatesWithConsistentAnswers()
    {
        if (SharedData.DataRoot() is not { } root || !File.Exists(Path.Combine(root, "harness/gsm_hard/test.jsonl")))
        {
            output.WriteLine("SKIPPED: no shared data folder (set SIFT_SHARED or put it at ../shared)");
            return;
        }
        string outPath = Path.Combine(TestFiles.Dir(), "gsm_hard_mutated.jsonl");
        var options = new MutationOptions { QuestionField = "input", ProgramField = "code", PerItem = 1, Limit = 8 };
        var s = await SymbolicMutation.RunAsync(Path.Combine(root, "harness/gsm_hard/test.jsonl"), outPath, options, _sandbox);
        output.WriteLine(JsonSerializer.Serialize(s));
        Assert.Equal(8, s.Processed);
        Assert.True(s.Accepted >= 5, $"only {s.Accepted} accepted");
        foreach (var m in File.ReadAllLines(outPath).Select(l => JsonNode.Parse(l)!))
        {
            var rerun = await HarnessExecution.RunSolutionAsync(_sandbox, (string)m["code"]!, CancellationToken.None);
            Assert.Equal((string)m["answer"]!, rerun.Result);
        }
    }
}
