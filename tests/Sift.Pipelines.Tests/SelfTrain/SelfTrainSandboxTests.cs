using System.Text.Json.Nodes;
using Sift.Pipelines.SelfTrain;
using Sift.Pipelines.Tests.Evaluation;

namespace Sift.Pipelines.Tests.SelfTrain;

/// <summary>SAFE with the sandbox as verifier: real python3 programs decide, their errors become repair feedback.</summary>
public sealed class SelfTrainSandboxTests
{
    private static readonly string[] Programs =
    [
        "```python\ndef solution():\n    return 2 + 3\n```",
        "```python\ndef solution():\n    return 1 / 0\n```",
        "```python\ndef solution():\n    return 2 * 3\n```",
        "```python\ndef solution():\n    x = 5\n    return x\n```",
    ];

    [Fact]
    public void ProgramVerifier_GradesTheProgramsResult_AndRepairsQuoteTheSandbox()
    {
        string dir = Directory.CreateTempSubdirectory("sift-selftrain-py").FullName;
        string model = LocalModelEvalTests.TinyModel(dir);
        string problems = Path.Combine(dir, "p.jsonl");
        File.WriteAllLines(problems, [new JsonObject { ["question"] = "What is 2 + 3?", ["answer"] = "5" }.ToJsonString()]);
        int calls = 0;
        var o = new SelfTrainOptions
        {
            Model = model,
            Problems = problems,
            Rule = SelfTrainRule.Safe,
            Verifier = SelfTrainVerifier.Program,
            ExecTimeoutSeconds = 20,
            Threads = 1,
            TrainOverrides = ["train.micro_batch=2"],
        };
        // Samples are requested in order, so the k-th request is sample k.
        var it = new SelfTrainLoop(o) { Backends = _ => new ScriptedBackend(_ => Programs[calls++ % 4]) }.Run(Path.Combine(dir, "out"))[0];

        var samples = SelfTrainSampler.ReadAll(it.SamplesFile);
        Assert.Equal([true, false, false, true], samples.Select(s => s.Correct));
        Assert.Equal(["5", "", "6", "5"], samples.Select(s => s.ProgramResult));
        Assert.Equal("The program failed: ZeroDivisionError: division by zero", samples[1].Feedback);
        Assert.Equal("The program's answer 6 is incorrect.", samples[2].Feedback);

        var lines = File.ReadAllLines(it.ExamplesFile).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["sample:0", "sample:3", "repair:1", "repair:2"], lines.Select(l => (string)l["source"]!));
        Assert.Equal("What is 2 + 3?\n" + Programs[1] + "\nFeedback: The program failed: ZeroDivisionError: division by zero\nCorrected solution:\n", (string)lines[2]["prompt"]!);
        Assert.Equal(Programs[0], (string)lines[2]["completion"]!);
        Assert.Equal(Programs[3], (string)lines[3]["completion"]!);
        Assert.True(it.Trained);
        Assert.Equal((2, 2, 2), (it.Metrics.Data.Positives, it.Metrics.Data.Negatives, it.Metrics.Data.Repairs));
    }
}
