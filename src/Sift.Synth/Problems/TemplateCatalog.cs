using Sift.Synth.Problems.Templates;

namespace Sift.Synth.Problems;

/// <summary>Every word-problem template, and the ones available per tier.</summary>
internal static class TemplateCatalog
{
    public static IReadOnlyList<ProblemTemplate> All { get; } =
        [.. Quantities.All, .. Rates.All, .. Percentages.All, .. Fractions.All, .. Ratios.All, .. Money.All, .. Time.All, .. MultiStep.All];

    private static readonly Dictionary<Tier, ProblemTemplate[]> ByTier =
        TierNames.All.ToDictionary(t => t, t => All.Where(x => x.Tiers.Contains(t)).ToArray());

    public static IReadOnlyList<ProblemTemplate> For(Tier tier) => ByTier[tier];
}
