using Sift.Eval.Datasets;
using Sift.Eval.Prompts;
using Sift.Eval.Samples;
using Sift.Pipelines.Evaluation;
using Sift.Sandbox;

namespace Sift.Pipelines.Tests.Evaluation;

/// <summary>PAL and tool-integrated runs end to end with real python3 programs in the sandbox.</summary>
public sealed class SandboxEvalTests
{
    private static EvalRunOptions Options(string data, string outDir, PromptKind kind) => new()
    {
        Dataset = DatasetLoader.Load(DatasetRegistry.Get("gsm8k"), data),
        Prompts = new PromptBuilder(DatasetRegistry.Get("gsm8k"), kind),
        OutDir = outDir,
        Chunk = 4,
    };

    [Fact]
    public async Task ToolAndPal_RunRealPrograms()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evalpy").FullName;
        string data = EvalRunTests.TinyGsm(dir, 4);
        using var sandbox = new PythonSandbox(new SandboxOptions { Timeout = TimeSpan.FromSeconds(20), CpuSeconds = 2 });

        // Tool: problem 3's first program fails (NameError), the second one recovers; problem 2 loops forever (timeout).
        using var tool = new ScriptedBackend(p =>
        {
            string q = p.Text!;
            if (q.EndsWith("```\n", StringComparison.Ordinal))
            {
                if (q.Contains("NameError", StringComparison.Ordinal) && !q.Contains("math.floor", StringComparison.Ordinal))
                {
                    return "Fix it.\n```python\nimport math\nprint(math.floor(3 + 6.5))\n```\n```output";
                }
                return "The answer is $\\boxed{" + q[(q.LastIndexOf("```output\n", StringComparison.Ordinal) + 10)..].Split('\n')[0] + "}$.";
            }
            var (a, b) = (q.Contains("What is 3 + 6?", StringComparison.Ordinal), q.Contains("What is 2 + 4?", StringComparison.Ordinal));
            string[] lines = q.Split("Question: ");
            string last = lines[^1];
            return a ? "```python\nprint(undefined_name)\n```"
                : b ? "```python\nwhile True:\n    pass\n```"
                : "```python\nfrom fractions import Fraction\nprint(" + last.Split("What is ")[1].Split('?')[0] + ")\n```";
        });
        var t = await new EvalRun(tool, sandbox, Options(data, Path.Combine(dir, "tool"), PromptKind.Tool)).RunAsync();
        var recs = SamplesLog.ReadAll(Path.Combine(dir, "tool", "samples.jsonl")).OrderBy(r => r.Idx).ToList();
        Assert.Equal("1 + 2", recs[1].Executions[0].Program.Split("print(")[1].TrimEnd('\n', ')'));
        Assert.Equal(("3", "Done"), (recs[1].Executions[0].Result, recs[1].Executions[0].Report));
        Assert.True(recs[1].Strict.Correct);
        Assert.Equal("Timeout Error", recs[2].Executions[0].Report);
        Assert.False(recs[2].Strict.Correct);
        Assert.Equal("NameError: name 'undefined_name' is not defined", recs[3].Executions[0].Report);
        // The failed block contributes only its imports (none); the fix runs on its own and is right.
        Assert.Equal(("9", 2), (recs[3].Executions[1].Result, recs[3].Executions.Count));
        Assert.True(recs[3].Strict.Correct);
        Assert.Equal(75.0, t.Strict.Accuracy.Percent, 9);

        // PAL: the answer is what solution() returns, printed output aside; a program that divides by zero fails.
        using var pal = new ScriptedBackend(p =>
        {
            string last = p.Text!.Split("Question: ")[^1];
            string expr = last.Split("What is ")[1].Split('?')[0];
            return expr == "1 + 2"
                ? "\n\n```python\ndef solution():\n    return 1 / 0\n```"
                : $"\n\n```python\ndef solution():\n    print('working')\n    result = {expr}\n    return result\n```";
        });
        var r = await new EvalRun(pal, sandbox, Options(data, Path.Combine(dir, "pal"), PromptKind.Pal)).RunAsync();
        var precs = SamplesLog.ReadAll(Path.Combine(dir, "pal", "samples.jsonl")).OrderBy(x => x.Idx).ToList();
        Assert.Equal(["0", "", "6", "9"], precs.Select(x => x.ProgramResult));
        Assert.Equal("ZeroDivisionError: division by zero", precs[1].Executions[0].Report);
        Assert.Equal(75.0, r.Strict.Accuracy.Percent, 9);
    }
}
