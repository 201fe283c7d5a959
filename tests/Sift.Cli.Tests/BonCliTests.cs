using System.Text.Json.Nodes;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift bon` end to end, in-process.</summary>
[Collection("console")]
public sealed class BonCliTests
{
    private static string HarnessFile()
    {
        string dir = Directory.CreateTempSubdirectory("sift-boncli").FullName;
        string file = Path.Combine(dir, "scored.jsonl");
        File.WriteAllLines(file,
        [
            """{"idx": 0, "gt": "2", "code": ["a", "b", "c", "d"], "pred": ["2", "3", "3", "2"], "score": [true, false, false, true], "pred_score": [[0.9], [0.2], [0.3], [0.1]]}""",
            """{"idx": 1, "gt": "5", "code": ["a", "b", "c", "d"], "pred": ["5", "1", "1", "7"], "score": [true, false, false, false], "pred_score": [[0.1], [0.4], [0.5], [0.2]]}""",
        ]);
        return file;
    }

    [Fact]
    public void Json_HasOneRowPerPowerOfTwo_AndTheChartIsWritten()
    {
        string file = HarnessFile();
        string svg = Path.Combine(Path.GetDirectoryName(file)!, "bon.svg");
        var (code, output, err) = Run("bon", "--input", file, "--mode", "compat", "--trials", "50", "--json", "--chart", svg);
        Assert.True(code == 0, err);
        var j = JsonNode.Parse(output)!;
        Assert.Equal(2, (int)j["problems"]!);
        Assert.Equal(4, (int)j["pool"]!);
        var curves = j["curves"]!.AsArray();
        Assert.Equal([1, 2, 4], curves.Select(c => (int)c!["n"]!));
        foreach (string key in new[] { "pass", "majority", "bon", "weighted", "pass_std", "majority_std", "bon_std", "weighted_std" })
        {
            Assert.All(curves, c => Assert.InRange((double)c![key]!, 0, 100));
        }
        // N = 4 (the pool): maj p0 tie 2-2 → "2" (sample 0) ✓, p1 "1" ✗; bon p0 0.9 ✓, p1 0.5 ✗; weighted p0 1.0 vs 0.5 ✓, p1 0.9 vs 0.1 ✗.
        Assert.Equal(50.0, (double)curves[2]!["majority"]!);
        Assert.Equal(50.0, (double)curves[2]!["bon"]!);
        Assert.Equal(100.0, (double)curves[2]!["pass"]!);
        Assert.Contains("<svg", File.ReadAllText(svg));
    }

    [Fact]
    public void BadInput_ExitsWithTheLineAndField()
    {
        string file = HarnessFile();
        File.AppendAllText(file, """{"idx": 2, "gt": "1", "code": ["a", "b"], "pred": ["1", "2"], "score": [true, false], "pred_score": [[0.3]]}""" + "\n");
        var (code, _, err) = Run("bon", "--input", file, "--mode", "compat");
        Assert.Equal(2, code);
        Assert.Contains(":3: \"pred_score\" has 1 entries but \"code\" has 2", err);
    }
}
