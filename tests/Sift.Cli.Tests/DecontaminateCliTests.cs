using System.Text.Json.Nodes;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift decontaminate` through the real command tree (console redirected; runs in the console collection).</summary>
[Collection("console")]
public sealed class DecontaminateCliTests
{
    private static (string Dir, string Train, string Test) Files()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-decon").FullName;
        string train = Path.Combine(dir, "train.jsonl");
        File.WriteAllLines(train,
        [
            "{\"question\": \"Birds fly south in winter.\", \"answer\": \"yes\"}",
            "{\"question\": \"A train travels 300 kilometres in 3 hours. At the same speed, how far does the train travel in 5 hours?\", \"answer\": \"500\"}",
            "{\"question\": \"Cooking pasta needs salted water.\", \"answer\": \"no\"}",
        ]);
        string test = Path.Combine(dir, "test.jsonl");
        File.WriteAllLines(test, ["{\"question\": \"A train travels 240 kilometres in 3 hours. At the same speed, how far does it travel in 5 hours?\"}"]);
        return (dir, train, test);
    }

    [Fact]
    public void Decontaminate_WritesReportAndCleanCopy_WithAJsonSummary()
    {
        var (dir, train, test) = Files();
        string clean = Path.Combine(dir, "clean.jsonl");
        var (code, output, err) = Run("decontaminate", "--train", train, "--field", "question", "--test", test, "--out", Path.Combine(dir, "report"), "--clean-output", clean, "--json");
        Assert.True(code == 0, err);
        var s = JsonNode.Parse(output)!;
        Assert.Equal(1, (int)s["flagged_pairs"]!);
        Assert.Equal(3, (int)s["training_items"]!);
        Assert.Equal("test", (string)s["benchmarks"]![0]!["name"]!);
        Assert.True(File.Exists(Path.Combine(dir, "report", "report.md")));
        Assert.Equal(2, File.ReadAllLines(clean).Length);
        Assert.DoesNotContain("train travels", File.ReadAllText(clean));
        Assert.Equal(3, File.ReadAllLines(train).Length);
    }

    [Fact]
    public void Decontaminate_Human_PrintsTheSummary()
    {
        var (dir, train, test) = Files();
        var (code, output, err) = Run("decontaminate", "--train", train, "--field", "question,answer", "--test", test, "--out", Path.Combine(dir, "r"));
        Assert.True(code == 0, err);
        Assert.Contains("1 flagged pairs, 1 training items of 3", output);
    }

    [Theory]
    [InlineData("--field", "text", "train.jsonl:1: field \"text\" missing")]
    [InlineData("--top-k", "0", "top-k: expected 1 .. 1000")]
    [InlineData("--threshold", "1.5", "threshold: expected a Jaccard in [0, 1]")]
    [InlineData("--benchmarks", "nosuch", "unknown dataset 'nosuch'")]
    public void Decontaminate_BadInput_IsAUserError(string option, string value, string message)
    {
        var (dir, train, test) = Files();
        string[] field = option == "--field" ? [] : ["--field", "question"];
        var (code, _, err) = Run(["decontaminate", "--train", train, .. field, "--test", test, "--out", Path.Combine(dir, "r"), option, value]);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Decontaminate_CleanCopyOverTheTrainingFile_IsRefused()
    {
        var (dir, train, test) = Files();
        var (code, _, err) = Run("decontaminate", "--train", train, "--field", "question", "--test", test, "--out", Path.Combine(dir, "r"), "--clean-output", train);
        Assert.Equal(2, code);
        Assert.Contains("never modified", err);
        Assert.Equal(3, File.ReadAllLines(train).Length);
    }
}
