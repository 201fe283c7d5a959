using System.Text.Json.Nodes;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift demo` through the real command tree (console redirected; runs in the console collection).</summary>
[Collection("console")]
public sealed class DemoCliTests
{
    /// <summary>The CI run of the demo: the real --quick configuration, checked for the pipeline and the summary's schema (not for who wins).</summary>
    [Fact]
    public void DemoQuick_Json_HasTheSummarySchema()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sift-cli-demo").FullName, "demo");
        var (code, output, err) = Run("demo", "--quick", "--json", "--out", dir);
        Assert.True(code == 0, err);
        var s = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("sift-demo", (string)s["format"]!);
        foreach (string arm in new[] { "clm", "slm", "random" })
        {
            Assert.True((long)s[arm]!["tokens"]! > 0);
            Assert.True(double.IsFinite((double)s[arm]!["clean_loss"]!));
            Assert.InRange((double)s[arm]!["accuracy"]!, 0, 1);
        }
        Assert.True(s.ContainsKey("speedup_tokens") && s.ContainsKey("speedup_selected_tokens"));
        Assert.True(s["selected_share"]!.AsObject().ContainsKey("clean"));
        Assert.Equal(9, s["stages"]!.AsArray().Count);
        Assert.True((double)s["flops"]!["reference_training"]! > 0);
        Assert.Contains("./sift demo --quick --json --out", File.ReadAllText(Path.Combine(dir, "report.md")));
        // Progress went to stderr, stage by stage.
        Assert.Contains("[1/10]", err);
    }

    [Fact]
    public void Demo_BadSetting_IsAUserErrorNamingIt()
    {
        var (code, _, err) = Run("demo", "--quick", "--set", "student.stepz=4", "--out", Path.Combine(Path.GetTempPath(), "sift-never"));
        Assert.Equal(2, code);
        Assert.Contains("student.stepz", err);
        Assert.DoesNotContain("   at ", err);
        var (listCode, list, _) = Run("demo", "--list-settings");
        Assert.Equal(0, listCode);
        Assert.Contains("corpus.noise_share", list);
    }
}
