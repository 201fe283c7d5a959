using Sift.Sandbox;

namespace Sift.Pipelines.Tests.Evaluation;

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
}
