using System.Text.Json.Nodes;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift select domain|diverse` through the real command tree.</summary>
[Collection("console")]
public sealed class SelectCliTests
{
    [Fact]
    public void Domain_And_Diverse_WriteTheKeptLines()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-select").FullName;
        string corpus = Path.Combine(dir, "web.jsonl"), target = Path.Combine(dir, "target.jsonl");
        File.WriteAllLines(corpus, Enumerable.Range(0, 50).Select(i => new JsonObject
        {
            ["text"] = i % 2 == 0 ? $"Tom has {i} apples and buys {i + 3} more. How many apples does he have?" : $"The council met on day {i} to discuss the cycling lane in town.",
            ["score"] = i / 50.0,
        }.ToJsonString()));
        File.WriteAllLines(target, Enumerable.Range(0, 20).Select(i => new JsonObject { ["question"] = $"Ana has {i} pencils and buys {i * 2} more. How many pencils?" }.ToJsonString()));

        var (code, output, err) = Run("select", "domain", "-i", corpus, "--target", target, "--target-field", "question", "--keep", "0.5", "-o", Path.Combine(dir, "math.jsonl"), "--json");
        Assert.True(code == 0, err);
        var s = JsonNode.Parse(output)!;
        Assert.Equal(25, s["kept"]!.GetValue<int>());
        Assert.All(File.ReadAllLines(Path.Combine(dir, "math.jsonl")), l => Assert.Contains("apples", l));

        (code, output, err) = Run("select", "diverse", "-i", corpus, "--quality-field", "score", "--keep", "10", "-o", Path.Combine(dir, "div.jsonl"), "--json");
        Assert.True(code == 0, err);
        Assert.Equal(10, File.ReadAllLines(Path.Combine(dir, "div.jsonl")).Length);

        (code, _, err) = Run("select", "diverse", "-i", corpus, "--keep", "1.5", "-o", Path.Combine(dir, "x.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains("--keep '1.5': expected a share in (0, 1]", err);
    }
}
