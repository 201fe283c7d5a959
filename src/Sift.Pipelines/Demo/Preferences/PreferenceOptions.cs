using Sift.Core;
using Sift.Pipelines.Config;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Demo.Preferences;

/// <summary>
/// Everything `sift demo preferences` does. The corpus, tokenizer, base model (the demo's reference model, trained on
/// the clean problems) and seeds are <see cref="DemoOptions"/>, built by <see cref="DemoSettings"/> from the same
/// layers as `sift demo`, so both commands share those stages' keys; <see cref="Sft"/> is the demo's student recipe
/// with the SFT defaults on top; the rest is this demo's own (<see cref="PreferenceSettings"/>).
/// </summary>
internal sealed record PreferenceOptions
{
    /// <summary>Corpus, tokenizer, base model, seeds and threads.</summary>
    public required DemoOptions Demo { get; init; }

    /// <summary>Answer-only SFT from the base model on the decontaminated training problems (objective and data are set by the stage).</summary>
    public required TrainRecipe Sft { get; init; }

    /// <summary>Preference rules run after SFT, in order (kto, dpo).</summary>
    public required IReadOnlyList<string> Rules { get; init; }

    /// <summary>Self-training iterations per rule and seed.</summary>
    public int Iterations { get; init; } = 1;

    /// <summary>Training problems sampled per iteration (easy tier, from the decontaminated set).</summary>
    public int Problems { get; init; } = 256;

    /// <summary>Samples per problem (Orca-Math: 4).</summary>
    public int Samples { get; init; } = 4;

    /// <summary>Sampling temperature (Orca-Math: 0.7).</summary>
    public double Temperature { get; init; } = 0.7;

    /// <summary>Nucleus mass (Orca-Math: 0.95).</summary>
    public double TopP { get; init; } = 0.95;

    /// <summary>Training overrides of every preference iteration (recipe key=value), over the loop's defaults.</summary>
    public IReadOnlyList<string> PreferenceTrain { get; init; } = [];

    /// <summary>Unigram-Jaccard threshold of the decontamination check (Orca-Math: 0.5).</summary>
    public double LeakThreshold { get; init; } = 0.5;

    /// <summary>The seeds: each trains SFT and every rule's iterations once.</summary>
    public IReadOnlyList<ulong> Seeds => Demo.Seeds;

    /// <summary>Compute threads.</summary>
    public int Threads => Demo.Threads;

    /// <summary>Throws a <see cref="SiftException"/> naming the first bad option.</summary>
    public void Validate()
    {
        Demo.Corpus.Validate();
        if (Demo.Seeds.Count == 0 || Demo.Seeds.Distinct().Count() != Demo.Seeds.Count)
        {
            throw new SiftException($"seeds: expected one or more distinct seeds, got {string.Join(",", Demo.Seeds)}");
        }
        if (!Demo.Corpus.EvalTiers.Contains(Sift.Synth.Tier.Easy))
        {
            throw new SiftException("corpus.eval_tiers: the preference demo samples easy training problems, so the held-out set must include the easy tier");
        }
        Demo.Reference.Check((key, message) => new SiftException($"{key}: {message}"));
        Sft.With([("train.objective", "sft")], "preferences: sft").Check((key, message) => new SiftException($"sft.{key}: {message}"));
        _ = Demo.Reference.ResolveModelConfig(Demo.TokenizerVocab, 0);
        if (Rules.Count == 0 || Rules.Any(r => r is not ("kto" or "dpo")) || Rules.Distinct().Count() != Rules.Count)
        {
            throw new SiftException($"pref.rules: expected kto, dpo or kto,dpo, got {string.Join(",", Rules)}");
        }
        if (Iterations is < 0 or > 5)
        {
            throw new SiftException($"pref.iterations: expected 0 .. 5, got {Iterations}");
        }
        if (Problems < 1 || Samples < 2)
        {
            throw new SiftException($"pref.problems ≥ 1 and pref.samples ≥ 2 expected (pairs need two samples), got {Problems} and {Samples}");
        }
        if (!(LeakThreshold > 0 && LeakThreshold < 1))
        {
            throw new SiftException($"pref.leak_threshold: expected a Jaccard in (0, 1), got {LeakThreshold}");
        }
    }
}
