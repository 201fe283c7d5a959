using Sift.Core;
using Sift.Pipelines.SelfTrain;

namespace Sift.Pipelines.Tests.SelfTrain;

/// <summary>Which fields a problems file may use, and errors that name file:line and the field.</summary>
public sealed class SelfTrainProblemsTests
{
    private static string Write(params string[] lines)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("sift-stp").FullName, "p.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void AcceptedLayouts_GoldAndTeacherSolution()
    {
        string path = Write(
            """{"question": "synth", "solution": "2 * 3 = 6.\n#### 6", "answer": "6", "id": "s1"}""",
            "",
            """{"question": "gsm8k", "answer": "Half of 12 is 6.\n#### 1,206"}""",
            """{"problem": "math", "solution": "So it is $\\boxed{\\frac{1}{2}}$."}""",
            """{"question": "answer only", "answer": 42, "idx": 7}""");
        var p = SelfTrainProblems.Read(path);
        Assert.Equal(4, p.Count);
        Assert.Equal(new SelfTrainProblem(0, "s1", 1, "synth", "6", "2 * 3 = 6.\n#### 6"), p[0]);
        Assert.Equal(new SelfTrainProblem(1, "line:3", 3, "gsm8k", "1206", "Half of 12 is 6.\n#### 1,206"), p[1]);
        Assert.Equal(new SelfTrainProblem(2, "line:4", 4, "math", "\\frac{1}{2}", "So it is $\\boxed{\\frac{1}{2}}$."), p[2]);
        Assert.Equal(new SelfTrainProblem(3, "7", 5, "answer only", "42", null), p[3]);
    }

    [Theory]
    [InlineData("""{"question": "q"}""", "p.jsonl:2: missing field \"answer\"")]
    [InlineData("""{"question": "q", "solution": "no marked answer"}""", "p.jsonl:2: missing field \"answer\", and field \"solution\" marks no final answer")]
    [InlineData("""{"answer": "3"}""", "p.jsonl:2: missing field \"question\"")]
    [InlineData("""{"question": "q", "answer": ["3"]}""", "p.jsonl:2: field \"answer\" is array")]
    [InlineData("""{"question": "q", "answer": "  "}""", "p.jsonl:2: missing field \"answer\"")]
    [InlineData("""{"question": "q", "answer": "3" """, "p.jsonl:2: bad JSON")]
    [InlineData("[1]", "p.jsonl:2: expected a JSON object")]
    public void BadLines_NameFileLineAndField(string bad, string expected)
    {
        string path = Write("""{"question": "fine", "answer": "1"}""", bad);
        var ex = Assert.Throws<SiftException>(() => SelfTrainProblems.Read(path));
        Assert.Contains(expected, ex.Message);
        Assert.StartsWith(path + ":2: ", ex.Message);
    }

    [Fact]
    public void EmptyOrMissingFile_IsAnError()
    {
        Assert.Contains("no problems", Assert.Throws<SiftException>(() => SelfTrainProblems.Read(Write("", "  "))).Message);
        Assert.Contains("not found", Assert.Throws<SiftException>(() => SelfTrainProblems.Read("/nonexistent/p.jsonl")).Message);
    }
}
