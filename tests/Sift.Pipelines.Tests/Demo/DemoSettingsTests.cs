using Sift.Core;
using Sift.Pipelines.Demo;
using Sift.Pipelines.Demo.Study;

namespace Sift.Pipelines.Tests.Demo;

public sealed class DemoSettingsTests
{
    [Fact]
    public void EveryKey_Applies_AndBadInputNamesTheSetting()
    {
        var o = DemoSettings.Apply(DemoOptions.Default, ["corpus.noise_share=0.7", "select_ratio=0.3", "model.hidden=64", "student.steps=800", "corpus.web_chars=2M", "arms=clm,slm"]);
        Assert.Equal(0.7, o.Corpus.Web.NoiseShare);
        Assert.Equal(0.3, o.SelectRatio);
        Assert.Equal(64, o.Model.Hidden);
        Assert.Equal(800, o.Student.Steps);
        Assert.Equal(2_000_000, o.Corpus.WebChars);
        Assert.Equal(["clm", "slm"], o.Arms);
        Assert.Equal(DemoOptions.Default.Reference, o.Reference);

        var unknown = Assert.Throws<SiftException>(() => DemoSettings.Apply(DemoOptions.Default, ["student.stepz=3"]));
        Assert.Contains("student.stepz", unknown.Message);
        var bad = Assert.Throws<SiftException>(() => DemoSettings.Apply(DemoOptions.Default, ["model.hidden=big"]));
        Assert.Contains("model.hidden=big", bad.Message);
        Assert.Throws<SiftException>(() => DemoSettings.Apply(DemoOptions.Default, ["select_ratio=1.5"]).Validate());
        Assert.Throws<SiftException>(() => DemoSettings.Apply(DemoOptions.Default, ["arms=slm,random"]).Validate());
    }

    [Fact]
    public void Defaults_Validate()
    {
        DemoOptions.Default.Validate();
        DemoOptions.Quick.Validate();
        // The default demo keeps no more tokens than the corpus has clean tokens (select_ratio ≤ clean share).
        Assert.True(DemoOptions.Default.SelectRatio <= 0.6);
    }

    [Fact]
    public void StudyGrid_OneAtATime_ProductAndVariants()
    {
        var b = DemoOptions.Quick;
        var g = new StudyGrid(b, [new StudyAxis("select_ratio", ["0.3", "0.6"]), new StudyAxis("model.hidden", ["32"])], [("v", ["seed=7", "select_ratio=0.2"])]);
        var pts = g.Points();
        Assert.Equal(["base", "select_ratio=0.3", "select_ratio=0.6", "model.hidden=32", "v"], pts.Select(p => p.Label));
        Assert.Equal(0.6, pts[2].Options.SelectRatio);
        Assert.Equal(b.Model.Hidden, pts[2].Options.Model.Hidden);
        Assert.Equal(7UL, pts[4].Options.Seed);

        var prod = (g with { Mode = "product", Variants = [] }).Points();
        Assert.Equal(3, prod.Count); // base + 2 × 1
        Assert.Contains(prod, p => p.Label == "select_ratio=0.6 model.hidden=32" && p.Options.SelectRatio == 0.6 && p.Options.Model.Hidden == 32);
    }

    [Fact]
    public void StudyGrid_ReadsAFile_AndRejectsBadSettingsBeforeRunning()
    {
        string dir = Directory.CreateTempSubdirectory("sift-grid").FullName;
        string path = Path.Combine(dir, "grid.yaml");
        File.WriteAllText(path, "quick: true\nbase:\n  student.steps: 80\naxis:\n  corpus.noise_share: [0.3, 0.7]\n  student.steps: [40, 80]\nvariant:\n  small: \"model.hidden=32 model.ffn=64\"\n");
        var g = StudyGrid.Load(path, DemoOptions.Default, quick: false);
        Assert.Equal(80, g.Base.Student.Steps);
        Assert.Equal(DemoOptions.Quick.Model, g.Base.Model);
        var pts = g.Points();
        Assert.Equal(6, pts.Count);
        Assert.Equal(32, pts.Single(p => p.Label == "small").Options.Model.Hidden);

        // Points that differ only in student.steps are read off the longest run (constant LR).
        var s40 = pts.Single(p => p.Label == "student.steps=40");
        Assert.Equal(80, StudyPipeline.RunOptions(s40.Options, pts).Student.Steps);
        var cosine = s40.Options with { Student = s40.Options.Student with { Schedule = "cosine" } };
        Assert.Equal(40, StudyPipeline.RunOptions(cosine, pts).Student.Steps);

        File.WriteAllText(path, "axis:\n  model.hiden: [32]\n");
        var ex = Assert.Throws<SiftException>(() => StudyGrid.Load(path, DemoOptions.Default, quick: false));
        Assert.Contains("model.hiden", ex.Message);
        File.WriteAllText(path, "bogus: 1\n");
        Assert.Contains("bogus", Assert.Throws<SiftException>(() => StudyGrid.Load(path, DemoOptions.Default, quick: false)).Message);
    }
}
