using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sift.Core;
using Sift.Eval.Datasets;
using Sift.Eval.Programs;
using Sift.Eval.Prompts;
using Sift.Eval.Samples;
using Sift.Eval.Tests;
using Sift.Grading;
using Sift.Inference;
using Sift.Pipelines.Evaluation;

namespace Sift.Pipelines.Tests.Evaluation;

public sealed partial class EvalRunTests
{
    [GeneratedRegex(@"What is (\d+) \+ (\d+)\?")]
    private static partial Regex Sum();

    /// <summary>A GSM8K-layout file of n addition problems.</summary>
    internal static string TinyGsm(string dir, int n)
    {
        string path = Path.Combine(dir, "tiny.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, n).Select(i => new JsonObject
        {
            ["question"] = $"What is {i} + {2 * i}?",
            ["answer"] = $"{i} + {2 * i} = {3 * i}\n#### {3 * i}",
            ["idx"] = i,
        }.ToJsonString()));
        return path;
    }

    private static (int A, int B) Operands(TextPrompt p)
    {
        var m = Sum().Matches(p.Text!)[^1];
        return (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static EvalRunOptions Options(string data, string outDir, PromptKind kind = PromptKind.Cot, int n = 1, int? limit = null) => new()
    {
        Dataset = DatasetLoader.Load(DatasetRegistry.Get("gsm8k"), data),
        Prompts = new PromptBuilder(DatasetRegistry.Get("gsm8k"), kind),
        OutDir = outDir,
        Samples = n,
        Limit = limit,
        Temperature = n > 1 ? 0.7f : 0f,
        Chunk = 3,
        CurveTrials = 20,
    };

    [Fact]
    public async Task Run_GradesEveryCompletion_AndWritesSamplesMetricsAndReport()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evalrun").FullName;
        string data = TinyGsm(dir, 6);
        // Right on even problems; on odd ones the answer is off by 100x, which only the harness accepts (gold/100 leniency).
        using var backend = new ScriptedBackend(p =>
        {
            var (a, b) = Operands(p);
            return a % 2 == 0 ? $" {a} + {b} = {a + b}. The answer is {a + b}.\n\nQuestion: next" : $" The answer is {(a + b) * 100}.";
        });
        string outDir = Path.Combine(dir, "run");
        var result = await new EvalRun(backend, null, Options(data, outDir)).RunAsync();
        Assert.Equal(6, result.Generated);
        // Problem 0's answer 0 is right; 1, 3, 5 are wrong in strict and right in compat (×100 rule).
        Assert.Equal(50.0, result.Strict.Accuracy.Percent, 9);
        Assert.Equal(100.0, result.Compat.Accuracy.Percent, 9);
        Assert.Equal(6, (int)result.Metrics["num_samples"]!);
        Assert.Equal(50.0, (double)result.Metrics["accuracy"]!);
        Assert.Equal("strict", (string)result.Metrics["mode"]!);
        Assert.Equal(100.0, (double)result.Metrics["modes"]!["compat"]!["accuracy"]!);

        var lines = SamplesLog.ReadAll(Path.Combine(outDir, "samples.jsonl"));
        Assert.Equal(6, lines.Count);
        var first = lines.Single(r => r.Idx == 2);
        Assert.Equal(" 2 + 4 = 6. The answer is 6.", first.Completion);
        Assert.Equal(("6", true), (first.Strict.Answer, first.Strict.Correct));
        Assert.EndsWith("Question: What is 2 + 4?\nAnswer:", first.Prompt);
        Assert.StartsWith("Question: There are 15 trees", first.Prompt);
        Assert.All(lines, r => Assert.Equal("stop", r.FinishReason));
        Assert.True(File.Exists(Path.Combine(outDir, "metrics.json")));
        Assert.Contains("| accuracy (first sample) | 50.0 [", File.ReadAllText(Path.Combine(outDir, "report.md")));
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "run.json")))!;
        Assert.Equal("cot/gsm8k", (string)run["few_shot"]!);
        Assert.Equal(["</s>", "\n\nQuestion:", "\n\nProblem:"], backend.Requests[0].Stop);
        Assert.False(File.Exists(Path.Combine(outDir, "curves.svg")));
    }

    [Fact]
    public async Task SeveralSamples_GiveMajPassAndCurves_AndExtendingNOnlyGeneratesTheNewSamples()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evalrun").FullName;
        string data = TinyGsm(dir, 5);
        // Sample answers depend on the seed only: about half are right.
        using var backend = new ScriptedBackend(p =>
        {
            var (a, b) = Operands(p);
            return $"The answer is {(p.Seed % 2 == 0 ? a + b : a + b + 1)}.";
        });
        string outDir = Path.Combine(dir, "run");
        var r2 = await new EvalRun(backend, null, Options(data, outDir, n: 2)).RunAsync();
        Assert.Equal(10, backend.Requests.Count);
        var r4 = await new EvalRun(backend, null, Options(data, outDir, n: 4)).RunAsync();
        Assert.Equal((10, 10), (r4.Generated, r4.Reused));
        Assert.Equal(20, backend.Requests.Count);
        Assert.Equal(r2.Strict.Accuracy, r4.Strict.Accuracy);
        Assert.Equal(20, SamplesLog.ReadAll(Path.Combine(outDir, "samples.jsonl")).Count);
        Assert.True(r4.Metrics.ContainsKey("maj@4"));
        Assert.True(r4.Metrics.ContainsKey("pass@4"));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(outDir, "curves.svg")));
        // Running the same command again generates nothing.
        int before = backend.Requests.Count;
        var again = await new EvalRun(backend, null, Options(data, outDir, n: 4)).RunAsync();
        Assert.Equal((0, 20), (again.Generated, again.Reused));
        Assert.Equal(before, backend.Requests.Count);
        Assert.Equal(r4.Metrics.ToJsonString(), again.Metrics.ToJsonString().Replace("\"generated_now\":0", "\"generated_now\":10").Replace("\"reused\":20", "\"reused\":10")
            .Replace(Seconds(again.Metrics), Seconds(r4.Metrics)));
    }

    private static string Seconds(JsonObject m) => $"\"seconds_now\":{m["seconds_now"]!.ToJsonString()},\"completion_tokens_now\":{m["completion_tokens_now"]!.ToJsonString()},\"tokens_per_second_now\":{m["tokens_per_second_now"]!.ToJsonString()}";

    [Fact]
    public async Task Resume_WithOtherSettings_IsRefusedNamingTheDifference()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evalrun").FullName;
        string data = TinyGsm(dir, 2);
        using var backend = new ScriptedBackend(_ => "The answer is 0.");
        string outDir = Path.Combine(dir, "run");
        await new EvalRun(backend, null, Options(data, outDir)).RunAsync();
        var e = await Assert.ThrowsAsync<SiftException>(() => new EvalRun(backend, null, Options(data, outDir) with { Temperature = 0.5f }).RunAsync());
        Assert.Contains("temperature: 0 then, 0.5 now", e.Message);
        File.Delete(Path.Combine(outDir, "run.json"));
        var orphan = await Assert.ThrowsAsync<SiftException>(() => new EvalRun(backend, null, Options(data, outDir)).RunAsync());
        Assert.Contains("no run.json", orphan.Message);
    }

    [Fact]
    public async Task Kill_MidRun_ThenResume_EqualsAnUninterruptedRun()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evalrun").FullName;
        string data = TinyGsm(dir, 7);
        string Respond(TextPrompt p) => $"The answer is {Operands(p).A * 3 + (int)(p.Seed % 3)}.";
        using (var whole = new ScriptedBackend(Respond))
        {
            await new EvalRun(whole, null, Options(data, Path.Combine(dir, "whole"), n: 3)).RunAsync();
        }
        string outDir = Path.Combine(dir, "killed");
        using (var killed = new ScriptedBackend(Respond) { CancelAfter = 8 })
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new EvalRun(killed, null, Options(data, outDir, n: 3)).RunAsync(killed.Kill.Token));
        }
        Assert.Equal(8, SamplesLog.ReadAll(Path.Combine(outDir, "samples.jsonl")).Count);
        using var rest = new ScriptedBackend(Respond);
        var resumed = await new EvalRun(rest, null, Options(data, outDir, n: 3)).RunAsync();
        Assert.Equal(13, rest.Requests.Count);
        Assert.Equal((13, 8), (resumed.Generated, resumed.Reused));
        AssertSameSamples(Path.Combine(dir, "whole"), outDir);
    }

    internal static void AssertSameSamples(string a, string b)
    {
        static List<string> Canon(string dir) => SamplesLog.ReadAll(Path.Combine(dir, "samples.jsonl"))
            .Select(r => r with { Seconds = 0, Prompt = null }).OrderBy(r => r.Idx).ThenBy(r => r.Sample).Select(r => r.ToJson()).ToList();
        Assert.Equal(Canon(a), Canon(b));
        var ma = JsonNode.Parse(File.ReadAllText(Path.Combine(a, "metrics.json")))!["modes"]!.ToJsonString();
        var mb = JsonNode.Parse(File.ReadAllText(Path.Combine(b, "metrics.json")))!["modes"]!.ToJsonString();
        Assert.Equal(ma, mb);
    }

    [Fact]
    public async Task ToolIntegrated_RunsBlocksFeedsOutputsBack_AndStopsAtTheRoundLimit()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evalrun").FullName;
        string data = TinyGsm(dir, 2);
        // Problem 0 computes once and answers; problem 1 keeps writing code and hits the limit.
        using var backend = new ScriptedBackend(p =>
        {
            var (a, b) = Operands(p);
            if (a == 1)
            {
                return "Compute again.\n```python\nprint(1 + 5)\n```\n```output\n6\n```";
            }
            return p.Text!.EndsWith("```\n", StringComparison.Ordinal) ? $"So the answer is $\\boxed{{{a + b}}}$." : $"Let's compute.\n```python\nx = {a}\nprint(x + {b})\n```\n```output\n99\n```";
        });
        var exec = new FakeExecutor(code => FakeExecutor.Ok(code.Contains("print(1 + 5)", StringComparison.Ordinal) ? "6\n" : "0\n"));
        string outDir = Path.Combine(dir, "run");
        var result = await new EvalRun(backend, exec, Options(data, outDir, PromptKind.Tool)).RunAsync();
        var recs = SamplesLog.ReadAll(Path.Combine(outDir, "samples.jsonl")).OrderBy(r => r.Idx).ToList();
        var solved = recs[0];
        Assert.Equal(2, solved.Rounds);
        Assert.Equal("Let's compute.\n```python\nx = 0\nprint(x + 0)\n```\n```output\n0\n```\nSo the answer is $\\boxed{0}$.", solved.Completion);
        Assert.Single(solved.Executions);
        Assert.Equal(("0", "Done"), (solved.Executions[0].Result, solved.Executions[0].Report));
        Assert.True(solved.Strict.Correct);
        var looping = recs[1];
        Assert.Equal(4, looping.Rounds);
        Assert.Equal(4, looping.Executions.Count);
        Assert.EndsWith("```output\n6\n```\n\nReach max function call limit.", looping.Completion);
        // Later programs carry the earlier successful ones without their prints.
        Assert.Equal("\n\n\nprint(1 + 5)\n", looping.Executions[3].Program);
        Assert.Equal(["</s>", "\n\n---", "```output"], backend.Requests[0].Stop);
        Assert.Equal(50.0, result.Strict.Accuracy.Percent, 9);
    }

    [Fact]
    public async Task ProgramAided_AnswerIsWhatSolutionReturns()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evalrun").FullName;
        string data = TinyGsm(dir, 3);
        using var backend = new ScriptedBackend(p =>
        {
            var (a, b) = Operands(p);
            return $"\n\n```python\ndef solution():\n    print('thinking')\n    return {a} + {b}\n```\n\n---\n\nQuestion: more";
        });
        var exec = new FakeExecutor(code =>
        {
            var m = Regex.Match(code, @"return (\d+) \+ (\d+)");
            int v = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            return FakeExecutor.PalOk(code, v == 6 ? "6.0" : v.ToString(System.Globalization.CultureInfo.InvariantCulture), printed: "thinking\n");
        });
        string outDir = Path.Combine(dir, "run");
        var result = await new EvalRun(backend, exec, Options(data, outDir, PromptKind.Pal)).RunAsync();
        Assert.Equal(100.0, result.Strict.Accuracy.Percent, 9);
        Assert.Equal(100.0, result.Compat.Accuracy.Percent, 9);
        var r = SamplesLog.ReadAll(Path.Combine(outDir, "samples.jsonl")).Single(x => x.Idx == 2);
        Assert.Equal("6.0", r.ProgramResult);
        Assert.Equal("6", r.Compat.Answer);
        Assert.Equal("def solution():\n    print('thinking')\n    return 2 + 4\n", r.Executions[0].Program);
        Assert.Equal("\n\n```python\ndef solution():\n    print('thinking')\n    return 2 + 4\n```", r.Completion);
    }

    [Fact]
    public async Task ProgramPrompts_WithoutAnExecutor_AreRefused()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evalrun").FullName;
        using var backend = new ScriptedBackend(_ => "");
        var e = await Assert.ThrowsAsync<SiftException>(() => new EvalRun(backend, null, Options(TinyGsm(dir, 1), Path.Combine(dir, "r"), PromptKind.Tool)).RunAsync());
        Assert.Contains("code executor", e.Message);
    }
}
