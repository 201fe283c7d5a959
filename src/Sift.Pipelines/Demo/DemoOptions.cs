using Sift.Core;
using Sift.Pipelines.Training;
using Sift.Pipelines.Training.Objectives;
using Sift.Synth;

namespace Sift.Pipelines.Demo;

/// <summary>How the students start.</summary>
internal enum DemoRegime
{
    /// <summary>From a random initialisation, on the web corpus (Rho-1's pretraining setting in miniature).</summary>
    Scratch,

    /// <summary>
    /// From a base model pretrained on general text (the corpus's non-math kinds), continued on the web corpus;
    /// the reference model is the base fine-tuned on the curated problems (Rho-1's continual-pretraining setting).
    /// </summary>
    Continued,
}

/// <summary>
/// Everything `sift demo` does: the corpus, the tokenizer, and two training recipes — the reference model's and the
/// students' — which are ordinary <see cref="TrainRecipe"/>s (their data folders are filled in by the stages). Built
/// from settings by <see cref="DemoSettings"/>: <see cref="Default"/> (about 15 minutes on 2 quiet cores) or
/// <see cref="Quick"/> (CI). The students share initialisation, data order, seed, learning rate and step budget and
/// differ only in their objective.
/// </summary>
internal sealed record DemoOptions
{
    /// <summary>The synthetic corpus; its seed is the demo's seed.</summary>
    public required SynthOptions Corpus { get; init; }

    /// <summary>BPE vocabulary.</summary>
    public required int TokenizerVocab { get; init; }

    /// <summary>Characters the tokenizer is trained on.</summary>
    public required long TokenizerChars { get; init; }

    /// <summary>The reference model's recipe (trained on the clean corpus, judged once at the end).</summary>
    public required TrainRecipe Reference { get; init; }

    /// <summary>The students' recipe (the objective is each arm's, the seed each run's).</summary>
    public required TrainRecipe Student { get; init; }

    /// <summary>The base model's recipe (continued regime: pretraining on general text).</summary>
    public required TrainRecipe Base { get; init; }

    /// <summary>How the students (and the reference model) start.</summary>
    public DemoRegime Regime { get; init; } = DemoRegime.Scratch;

    /// <summary>Seeds of the students: each seed trains every arm once (initialisation, data order, random selection).</summary>
    public required IReadOnlyList<ulong> Seeds { get; init; }

    /// <summary>Characters of general text (the corpus's non-math kinds) the base model is pretrained on (continued regime).</summary>
    public long GeneralChars { get; init; } = 3_000_000;

    /// <summary>Students to train, in order; CLM is the baseline and always included.</summary>
    public required IReadOnlyList<ObjectiveSpec> Arms { get; init; }

    /// <summary>The layers of settings this was built from, in order (a study point adds one).</summary>
    public IReadOnlyList<SettingsLayer> Layers { get; init; } = [];

    /// <summary>Seed of the corpus, the tokenizer, the base and the reference model (the students' come from <see cref="Seeds"/>).</summary>
    public ulong Seed => Corpus.Seed;

    /// <summary>Compute threads.</summary>
    public int Threads => Student.Threads;

    /// <summary>Window length T of the students (and of scoring, so contexts match).</summary>
    public int SeqLen => Student.SeqLen;

    /// <summary>Windows per student step.</summary>
    public int MicroBatch => Student.MicroBatch;

    /// <summary>Tokens processed per student step.</summary>
    public long TokensPerStep => Student.TokensPerStep;

    /// <summary>Student steps.</summary>
    public long Steps => Student.MaxSteps;

    /// <summary>Steps between the students' evaluations.</summary>
    public int EvalInterval => Student.EvalInterval;

    /// <summary>Share of tokens the selective students keep.</summary>
    public double SelectRatio => Student.SelectRatio;

    /// <summary>True when an arm needs reference scores, so the demo scores the corpus.</summary>
    public bool NeedsScores => Arms.Any(a => a.Needs.HasFlag(ObjectiveNeeds.ReferenceScores));

    /// <summary>The ~15-minute demo.</summary>
    public static DemoOptions Default => DemoSettings.Build(quick: false, [], "default");

    /// <summary>The CI-sized demo: a few thousand documents, a smaller model, ~60 steps per run.</summary>
    public static DemoOptions Quick => DemoSettings.Build(quick: true, [], "--quick");

    /// <summary>Throws a <see cref="SiftException"/> naming the first bad option.</summary>
    public void Validate()
    {
        Corpus.Validate();
        if (EvalInterval < 1 || EvalInterval > Student.MaxSteps)
        {
            throw new SiftException($"eval.interval: expected 1 .. {Student.MaxSteps} (the students' steps), got {EvalInterval}");
        }
        if (Seeds.Count == 0 || Seeds.Distinct().Count() != Seeds.Count)
        {
            throw new SiftException($"seeds: expected one or more distinct seeds, got {string.Join(",", Seeds)}");
        }
        if (!Arms.Contains(ObjectiveRegistry.Clm))
        {
            throw new SiftException($"arms: the {ObjectiveRegistry.Clm.Name} baseline is required (speedups are measured against it)");
        }
        foreach (var recipe in new[] { Reference, Student, Base })
        {
            recipe.Check((key, message) => new SiftException($"{key}: {message}"));
            _ = recipe.ResolveModelConfig(TokenizerVocab, 0); // a shape the engine cannot build fails here, before any stage runs
        }
    }
}
