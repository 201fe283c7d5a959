using System.Text.Json.Nodes;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift data synth` through the real command tree (console redirected; runs in the console collection).</summary>
[Collection("console")]
public sealed class SynthCliTests
{
    [Fact]
    public void DataSynth_TextOnly_WritesTheManifest()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-synth").FullName;
        var (code, output, err) = Run("data", "synth", "-o", dir, "--clean-docs", "300", "--web-chars", "50k", "--eval-per-tier", "5",
            "--noise-share", "0.7", "--noise-weights", "ids=0,tables=1", "--text-only", "--json");
        Assert.True(code == 0, err);
        var m = JsonNode.Parse(output)!;
        Assert.Equal(15, m["counts"]!["eval"]!.GetValue<int>());
        Assert.Equal(0.0, m["web_char_shares"]!["ids"]!.GetValue<double>());
        Assert.InRange(m["web_char_shares"]!["table"]!.GetValue<double>(), 0.1, 0.5);
        Assert.True(File.Exists(Path.Combine(dir, "synth.json")));
    }

    [Theory]
    [InlineData("--noise-share", "1.5", "web.noise_share")]
    [InlineData("--web-chars", "lots", "--web-chars")]
    [InlineData("--tiers", "easy=x", "--tiers")]
    [InlineData("--noise-weights", "spam=1", "unknown kind 'spam'")]
    [InlineData("--eval-per-tier", "0", "eval_per_tier")]
    public void DataSynth_BadOptions_AreUserErrors(string option, string value, string message)
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-synth").FullName;
        var (code, _, err) = Run("data", "synth", "-o", dir, "--text-only", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
        Assert.DoesNotContain("   at ", err);
    }
}
