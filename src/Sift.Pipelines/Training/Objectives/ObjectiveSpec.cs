using Sift.Core;
using Sift.Core.Random;
using Sift.Data;
using Sift.Pipelines.Selective;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>Side data an objective reads besides the token stream.</summary>
[Flags]
internal enum ObjectiveNeeds
{
    /// <summary>Tokens only.</summary>
    None = 0,

    /// <summary>Per-token reference losses (<c>data.ref_scores</c>, from <c>sift score --data</c>).</summary>
    ReferenceScores = 1,

    /// <summary>Per-token provenance labels (<c>data.labels</c>, from <c>sift data synth</c>).</summary>
    Labels = 2,
}

/// <summary>What a training run hands an objective's factory.</summary>
/// <param name="Recipe">The resolved recipe (select ratio, scope, ...).</param>
/// <param name="Rng">The run's generator (checkpointed, so a resumed run draws the same numbers).</param>
/// <param name="Labels">Provenance labels when the recipe has data.labels.</param>
/// <param name="ReferenceScores">Reference losses when the objective needs them.</param>
internal sealed record ObjectiveContext(TrainRecipe Recipe, Rng Rng, SideShardReader<byte>? Labels, ReferenceScores? ReferenceScores);

/// <summary>
/// Everything the rest of Sift needs to know about a training objective, declared once in the objective's own file:
/// its recipe name, what it needs, how to build it, and how reports show it.
/// </summary>
/// <param name="Name">The <c>train.objective</c> value and the name in metrics, stage folders and summaries.</param>
/// <param name="Label">Display name in tables ("SLM", "random selection").</param>
/// <param name="Color">Chart colour.</param>
/// <param name="Help">One line for help texts.</param>
/// <param name="Needs">Side data it reads.</param>
/// <param name="Selective">True when it keeps a share of tokens (<c>train.select_ratio</c>, <c>train.select_scope</c> apply).</param>
/// <param name="Create">Builds the objective for a run.</param>
/// <param name="Describe">What the demo prints for a student trained with it, given the recipe.</param>
internal sealed record ObjectiveSpec(string Name, string Label, string Color, string Help, ObjectiveNeeds Needs, bool Selective,
    Func<ObjectiveContext, ITokenObjective> Create, Func<TrainRecipe, string> Describe)
{
    /// <summary>The example dataset kind it trains on (<c>sift data pack --format</c>); null for the token stream.</summary>
    public Sift.Data.Examples.ExampleKind? Examples { get; init; }

    /// <summary>Builds the objective of an example run (set with <see cref="Examples"/>).</summary>
    public Func<ExampleObjectiveContext, IExampleObjective>? CreateForExamples { get; init; }

    /// <summary>The <see cref="Create"/> of an example objective: it has no token-stream form.</summary>
    public static Func<ObjectiveContext, ITokenObjective> ExamplesOnly(string name) =>
        _ => throw new SiftException($"train.objective={name} trains on an example dataset (`sift data pack --format ...`), not a token stream");
}
