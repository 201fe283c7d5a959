using Sift.Core;
using Sift.Pipelines.Demo;
using Sift.Pipelines.Demo.Study;
using Sift.Pipelines.Training;
using Sift.Synth;

namespace Sift.Pipelines.Tests.Demo;

public sealed class DemoSettingsTests
{
    private static DemoOptions Build(params string[] settings) => DemoSettings.Build(quick: false, settings);

    [Fact]
    public void RecipeKeys_SetBothRuns_PrefixedKeysOneRun_DemoKeysTheCorpus()
    {
        var o = Build("corpus.noise_share=0.7", "train.select_ratio=0.3", "model.hidden_size=64", "student.train.max_steps=800", "corpus.web_chars=3M", "arms=clm,slm");
        Assert.Equal(0.7, o.Corpus.Web.NoiseShare);
        Assert.Equal(0.3, o.SelectRatio);
        Assert.Equal(0.3, o.Reference.SelectRatio);
        Assert.Equal(64, o.Student.Model.HiddenSize);
        Assert.Equal(64, o.Reference.Model.HiddenSize);
        Assert.Equal(800, o.Student.MaxSteps);
        Assert.Equal(DemoOptions.Default.Reference.MaxSteps, o.Reference.MaxSteps);
        Assert.Equal(3_000_000, o.Corpus.WebChars);
        Assert.Equal(["clm", "slm"], o.Arms.Select(a => a.Name));
    }

    [Fact]
    public void Defaults_AreTheDocumentedDemo()
    {
        var d = DemoOptions.Default;
        Assert.Equal((400L, 200L), (d.Reference.MaxSteps, d.Student.MaxSteps));
        Assert.Equal([1UL, 2UL, 3UL], d.Seeds);
        Assert.Equal(("cosine", "constant"), (d.Reference.ScheduleKind, d.Student.ScheduleKind));
        Assert.Equal((256, 16, 4096L), (d.SeqLen, d.MicroBatch, d.TokensPerStep));
        Assert.Equal((0.003, 0.0003, 40L), (d.Student.Lr, d.Student.MinLr, d.Student.WarmupSteps));
        Assert.Equal((50, 200, 1000), (d.EvalInterval, d.Student.EvalAccuracyProblems, d.Student.EvalFinalAccuracyProblems));
        // A held-out set of 1,000 problems of one tier, kept out of training by their text.
        Assert.Equal((1000, EvalDistinct.Instances), (d.Corpus.EvalPerTier, d.Corpus.EvalDistinct));
        Assert.Equal([Tier.Easy], d.Corpus.EvalTiers);
        Assert.Equal(2_000_000, d.Corpus.WebChars);
        Assert.Equal(["clm", "slm", "random"], d.Arms.Select(a => a.Name));
        var q = DemoOptions.Quick;
        Assert.Equal((60L, 128, 8, 20), (q.Steps, q.SeqLen, q.MicroBatch, q.EvalInterval));
        Assert.Equal(("constant", 10L), (q.Student.ScheduleKind, q.Student.WarmupSteps));
        Assert.Equal((60L, 2), (q.Reference.MaxSteps, q.Seeds.Count)); // --quick's plain max_steps overrides the defaults' reference. one
        d.Validate();
        q.Validate();
        // The default demo keeps no more tokens than the corpus has clean tokens (select_ratio ≤ clean share).
        Assert.True(d.SelectRatio <= 0.6);
    }

    [Fact]
    public void UserSettingsBeatDefaults_AndPrefixedBeatsPlainWithinALayer()
    {
        // The defaults hold student.optim.schedule=constant; a plain user key is a later layer and wins for both runs.
        var o = Build("optim.schedule=linear");
        Assert.Equal(("linear", "linear"), (o.Reference.ScheduleKind, o.Student.ScheduleKind));
        // Within one layer the prefixed key wins over the plain one, whatever the order.
        o = Build("student.optim.lr=0.01", "optim.lr=0.002");
        Assert.Equal((0.002, 0.01), (o.Reference.Lr, o.Student.Lr));
        // seed sets the corpus, the base and the reference model; seeds the students, one run each.
        o = Build("seed=7", "seeds=4,5,6");
        Assert.Equal((7UL, 7UL, 7UL), (o.Seed, o.Reference.Seed, o.Base.Seed));
        Assert.Equal([4UL, 5UL, 6UL], o.Seeds);
        Assert.Contains("seeds", Assert.Throws<SiftException>(() => Build("student.train.seed=3")).Message);
        Assert.Contains("distinct", Assert.Throws<SiftException>(() => Build("seeds=1,1")).Message);
        Assert.Contains("seed", Assert.Throws<SiftException>(() => Build("seeds=1,x")).Message);
        // base. sets only the base model's recipe; a plain key sets all three.
        o = Build("base.train.max_steps=77", "optim.lr=0.002", "regime=continued");
        Assert.Equal((77L, 0.002, 0.002, 0.002), (o.Base.MaxSteps, o.Base.Lr, o.Reference.Lr, o.Student.Lr));
        Assert.NotEqual(77L, o.Student.MaxSteps);
        Assert.Equal(DemoRegime.Continued, o.Regime);
    }

    [Fact]
    public void BadSettings_NameTheKeyAndWhatWasExpected()
    {
        var unknown = Assert.Throws<SiftException>(() => Build("student.train.max_stepz=3"));
        Assert.Contains("train.max_stepz", unknown.Message);
        Assert.Contains("train.max_steps", unknown.Message); // the suggestion
        var renamed = Assert.Throws<SiftException>(() => Build("select_ratio=0.3"));
        Assert.Contains("train.select_ratio", renamed.Message);
        var bad = Assert.Throws<SiftException>(() => Build("model.hidden_size=big"));
        Assert.Contains("model.hidden_size", bad.Message);
        Assert.Contains("integer", bad.Message);
        Assert.Contains("(0, 1]", Assert.Throws<SiftException>(() => Build("train.select_ratio=1.5")).Message);
        Assert.Contains("clm", Assert.Throws<SiftException>(() => Build("arms=slm,random").Validate()).Message);
        Assert.Contains("unknown objective", Assert.Throws<SiftException>(() => Build("arms=clm,slmm")).Message);
        Assert.Contains("set by the demo", Assert.Throws<SiftException>(() => Build("data.train=x")).Message);
        // A shape the engine cannot build fails before any stage runs.
        Assert.Throws<SiftException>(() => Build("model.hidden_size=100", "model.num_attention_heads=3").Validate());
    }

    [Fact]
    public void ListSettings_ShowsDemoKeysAndRecipeKeysWithTheirDemoDefaults()
    {
        string list = DemoSettings.List();
        Assert.Contains("corpus.noise_share", list);
        Assert.Contains("reference cosine, student constant", list);
        Assert.Contains("regime", list);
        Assert.Contains("seeds", list);
        Assert.Contains("train.select_ratio", list);
        Assert.DoesNotContain("data.train", list);
    }

    [Fact]
    public void StudyGrid_OneAtATime_ProductAndVariants()
    {
        var b = DemoOptions.Quick;
        var g = new StudyGrid(b, [new StudyAxis("train.select_ratio", ["0.3", "0.6"]), new StudyAxis("model.hidden_size", ["32"])], [("v", ["seed=7", "train.select_ratio=0.2"])]);
        var pts = g.Points();
        Assert.Equal(["base", "train.select_ratio=0.3", "train.select_ratio=0.6", "model.hidden_size=32", "v"], pts.Select(p => p.Label));
        Assert.Equal(0.6, pts[2].Options.SelectRatio);
        Assert.Equal(b.Student.Model.HiddenSize, pts[2].Options.Student.Model.HiddenSize);
        Assert.Equal(7UL, pts[4].Options.Seed);

        var prod = (g with { Mode = "product", Variants = [] }).Points();
        Assert.Equal(3, prod.Count); // base + 2 × 1
        Assert.Contains(prod, p => p.Label == "train.select_ratio=0.6 model.hidden_size=32" && p.Options.SelectRatio == 0.6 && p.Options.Student.Model.HiddenSize == 32);
    }

    [Fact]
    public void StudyGrid_ReadsAFile_AndRejectsBadSettingsBeforeRunning()
    {
        string dir = Directory.CreateTempSubdirectory("sift-grid").FullName;
        string path = Path.Combine(dir, "grid.yaml");
        File.WriteAllText(path, "quick: true\nbase:\n  student.train.max_steps: 80\naxis:\n  corpus.noise_share: [0.3, 0.7]\n  student.train.max_steps: [40, 80]\nvariant:\n  small: \"model.hidden_size=32 model.intermediate_size=64\"\n");
        var g = StudyGrid.Load(path, DemoOptions.Default, quick: false);
        Assert.Equal(80, g.Base.Steps);
        Assert.Equal(DemoOptions.Quick.Student.Model, g.Base.Student.Model);
        var pts = g.Points();
        Assert.Equal(6, pts.Count);
        Assert.Equal(32, pts.Single(p => p.Label == "small").Options.Student.Model.HiddenSize);

        // Points that differ only in student.train.max_steps are read off the longest run (constant LR).
        var s40 = pts.Single(p => p.Label == "student.train.max_steps=40");
        Assert.Equal(80, StudyPipeline.RunOptions(s40.Options, pts).Steps);
        var cosine = DemoSettings.Apply(s40.Options, ["student.optim.schedule=cosine"], "test");
        Assert.Equal(40, StudyPipeline.RunOptions(cosine, pts).Steps);

        File.WriteAllText(path, "axis:\n  model.hiden_size: [32]\n");
        var ex = Assert.Throws<SiftException>(() => StudyGrid.Load(path, DemoOptions.Default, quick: false));
        Assert.Contains("model.hiden_size", ex.Message);
        File.WriteAllText(path, "bogus: 1\n");
        Assert.Contains("bogus", Assert.Throws<SiftException>(() => StudyGrid.Load(path, DemoOptions.Default, quick: false)).Message);
    }

    [Fact]
    public void ARecipeFromTheTable_RoundTripsThroughItsYaml()
    {
        var r = DemoOptions.Default.Student.With([("data.train", "d"), ("out_dir", "o")], "test");
        string dir = Directory.CreateTempSubdirectory("sift-yaml").FullName;
        string path = Path.Combine(dir, "r.yaml");
        File.WriteAllText(path, r.ToYaml());
        var back = TrainRecipe.Load(path, []);
        Assert.Equal(r.ResumeValues(), back.ResumeValues());
        Assert.Contains("lr: 3e-3", r.ToYaml()); // written as given, not as float noise
    }

    [Fact]
    public void TheDocumentedStudyGrid_Parses()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Sift.slnx")))
        {
            root = Path.GetDirectoryName(root)!;
        }
        var g = StudyGrid.Load(Path.Combine(root, "docs", "demo-study.yaml"), DemoOptions.Default, quick: false);
        Assert.Equal(1000, g.Base.Steps);
        Assert.Equal(13, g.Points().Count);
    }
}
