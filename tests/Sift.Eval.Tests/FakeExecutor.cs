using Sift.Sandbox;

namespace Sift.Eval.Tests;

/// <summary>A deterministic stand-in for the python sandbox: answers each program with a function of its text.</summary>
internal sealed class FakeExecutor(Func<string, CodeResult> run) : ICodeExecutor
{
    public List<string> Programs { get; } = [];

    public Task<CodeResult> RunAsync(string code, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        lock (Programs)
        {
            Programs.Add(code);
        }
        return Task.FromResult(run(code));
    }

    public static CodeResult Ok(string stdout) => new(CodeOutcome.Ok, stdout, "", 0, 0.01);

    /// <summary>What python prints for a wrapped PAL program (HarnessConventions.Pal) whose solution() returns <paramref name="result"/>.</summary>
    public static CodeResult PalOk(string source, string result, string printed = "")
    {
        var tag = System.Text.RegularExpressions.Regex.Match(source, "<sift-pal-result:([0-9a-f]+)>").Groups[1].Value;
        return Ok(printed + "\n\u001e<sift-pal-result:" + tag + ">" + result);
    }

    public static CodeResult Error(string traceback) => new(CodeOutcome.Error, "", traceback, 1, 0.01);
}
