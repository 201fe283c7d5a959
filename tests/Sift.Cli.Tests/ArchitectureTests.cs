using System.Xml.Linq;

namespace Sift.Cli.Tests;

/// <summary>
/// Project references point one way: CLI → {Pipelines, Serving, Bench} → … → Core. A reference that points back up
/// (Serving → Pipelines, Engine → Inference) fails here, naming it.
/// </summary>
public sealed class ArchitectureTests
{
    // Each project and the projects it may reference directly.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Sift.Core"] = [],
        ["Sift.Engine"] = ["Sift.Core"],
        ["Sift.Text"] = ["Sift.Core"],
        ["Sift.Grading"] = ["Sift.Core"],
        ["Sift.Sandbox"] = ["Sift.Core"],
        ["Sift.Synth"] = ["Sift.Core"],
        ["Sift.Remote"] = ["Sift.Core"],
        ["Sift.Hub"] = ["Sift.Core"],
        ["Sift.Data"] = ["Sift.Core", "Sift.Text"],
        ["Sift.Eval"] = ["Sift.Core", "Sift.Grading", "Sift.Sandbox", "Sift.Data", "Sift.Hub"],
        ["Sift.Inference"] = ["Sift.Core", "Sift.Engine", "Sift.Text", "Sift.Remote"],
        ["Sift.Rewards"] = ["Sift.Core", "Sift.Engine", "Sift.Text", "Sift.Remote", "Sift.Inference", "Sift.Grading", "Sift.Eval", "Sift.Data"],
        ["Sift.Pipelines"] = ["Sift.Core", "Sift.Engine", "Sift.Text", "Sift.Data", "Sift.Grading", "Sift.Eval", "Sift.Sandbox", "Sift.Synth", "Sift.Inference", "Sift.Rewards", "Sift.Curation"],
        ["Sift.Serving"] = ["Sift.Core", "Sift.Inference", "Sift.Remote"],
        ["Sift.Bench"] = ["Sift.Inference", "Sift.Serving", "Sift.Rewards"],
        ["Sift.Curation"] = ["Sift.Core", "Sift.Eval", "Sift.Synth"],
        ["Sift.LlamaCpp"] = ["Sift.Core", "Sift.Inference"],
        ["Sift.Cli"] = ["Sift.Pipelines", "Sift.Serving", "Sift.Bench", "Sift.Hub", "Sift.Curation", "Sift.Rewards", "Sift.LlamaCpp"],
    };

    [Fact]
    public void ProjectReferences_PointDownOnly()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Sift.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Sift.slnx not found above the test folder");
        }
        var projects = Directory.GetDirectories(Path.Combine(root, "src")).Select(Path.GetFileName).OfType<string>()
            .Where(p => File.Exists(Path.Combine(root, "src", p, p + ".csproj"))).ToList();
        foreach (string p in projects)
        {
            Assert.True(Allowed.ContainsKey(p), $"src/{p} is new: add it to the layer table in {nameof(ArchitectureTests)} (what may it reference?)");
            var refs = XDocument.Load(Path.Combine(root, "src", p, p + ".csproj")).Descendants("ProjectReference")
                .Select(e => Path.GetFileNameWithoutExtension((string)e.Attribute("Include")!)).ToList();
            foreach (string r in refs)
            {
                Assert.True(Allowed[p].Contains(r), $"src/{p} references {r}, which is not below it (allowed: {string.Join(", ", Allowed[p])})");
            }
        }
    }
}
