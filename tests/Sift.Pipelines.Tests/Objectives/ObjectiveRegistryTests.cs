using Sift.Pipelines.Demo;
using Sift.Pipelines.Tests.Demo;
using Sift.Pipelines.Tests.Training;
using Sift.Pipelines.Training;
using Sift.Pipelines.Training.Metrics;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Tests.Objectives;

/// <summary>An objective defined in one file and registered in one line runs through training, the demo and its reports.</summary>
public sealed class ObjectiveRegistryTests
{
    static ObjectiveRegistryTests() => ObjectiveRegistry.Register(FirstHalfObjective.Spec);

    [Fact]
    public void ARegisteredObjective_Trains_IsAcceptedByTheRecipe_AndListed()
    {
        string dir = Directory.CreateTempSubdirectory("sift-objective").FullName;
        string data = TrainingRunTests.PackCorpus(dir);
        var recipe = TrainRecipe.Load(null,
        [
            $"data.train={data}", $"out_dir={Path.Combine(dir, "run")}", "train.objective=first-half", "model.hidden_size=32", "model.intermediate_size=64",
            "model.num_hidden_layers=1", "model.num_attention_heads=2", "train.seq_len=16", "train.micro_batch=4", "train.max_steps=6", "train.threads=1",
            "log.interval=3", "data.holdout_every=0",
        ]);
        Assert.Same(FirstHalfObjective.Spec, recipe.Objective);
        var s = new TrainingRun(recipe).Execute(resume: false);
        Assert.Equal(s.Tokens / 2, s.TrainedTokens);
        Assert.Contains("objective: first-half", File.ReadAllText(Path.Combine(s.RunDir, "recipe.resolved.yaml")));
        Assert.All(MetricsLog.Read(Path.Combine(s.RunDir, "metrics.jsonl")), l => Assert.Equal(l.Tokens / 2, l.TrainedTokens));
        Assert.Contains("first-half", RecipeKeys.Table.List()); // among train.objective's choices
    }

    [Fact]
    public void ARegisteredObjective_IsADemoArm_WithItsLabelAndColourInTheReports()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sift-objective-demo").FullName, "demo");
        var o = DemoPipelineTests.With(DemoPipelineTests.Micro, "arms=clm,first-half", "seeds=1");
        var r = new DemoPipeline(o).Run(dir);
        Assert.Equal(["synth", "reference", "clm-s1", "first-half-s1"], r.Stages.Select(st => st.Name)); // no scoring: it needs no scores
        var arm = r.Arm("first-half")!;
        Assert.Equal(arm.Tokens / 2, arm.TrainedTokens);
        Assert.Contains("| first half (test) |", File.ReadAllText(Path.Combine(dir, "report.md")));
        Assert.Contains("#17becf", File.ReadAllText(Path.Combine(dir, "demo.svg")));
        Assert.Contains("\"first-half\"", File.ReadAllText(Path.Combine(dir, "summary.json")));
    }

    [Fact]
    public void NamesAreUnique_AndNeedsAreCheckedByTheRecipe()
    {
        Assert.Throws<ArgumentException>(() => ObjectiveRegistry.Register(FirstHalfObjective.Spec with { Label = "other" }));
        Assert.Equal(ObjectiveRegistry.Names.Count, ObjectiveRegistry.Names.Distinct().Count());
        foreach (var spec in ObjectiveRegistry.All.Where(o => o.Needs != ObjectiveNeeds.None))
        {
            var ex = Assert.Throws<Core.SiftException>(() => TrainRecipe.Load(null, ["data.train=x", $"train.objective={spec.Name}"]));
            Assert.Contains(spec.Name, ex.Message);
        }
    }
}
