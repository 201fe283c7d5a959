namespace Sift.Curation.Agents;

/// <summary>The data agents (Orca-Math's Agent-Instruct and InternLM2-Math's augmentation). One name each, used by the CLI and the provenance.</summary>
internal enum AgentKind
{
    /// <summary>Ask-Me-Anything: a seed problem and answer become a statement; each number in it becomes a new problem's answer.</summary>
    AskMeAnything,

    /// <summary>Suggester &amp; Editor: the suggester lists ways to make a problem harder, the editor writes it; repeated over rounds.</summary>
    SuggesterEditor,

    /// <summary>InternLM2-Math augmentation with one of its query templates (<see cref="AugmentMode"/>).</summary>
    Augment,
}

/// <summary>InternLM2-Math's augmentation templates (README "augmentor" table).</summary>
internal enum AugmentMode
{
    /// <summary><c>Describe this problem in another way. {Question}</c></summary>
    Rephrase,

    /// <summary><c>Please augment a new problem based on: {Question}</c></summary>
    Augment,

    /// <summary><c>Increase the complexity of the problem: {Question}</c></summary>
    Harder,

    /// <summary><c>Change specific numbers: {Question}</c></summary>
    ChangeNumbers,

    /// <summary><c>Introduce fractions or percentages: {Question}</c></summary>
    Fractions,
}

/// <summary>CLI and provenance names of the agents and modes.</summary>
internal static class AgentNames
{
    public static string Of(AgentKind k) => k switch
    {
        AgentKind.AskMeAnything => "ask-me-anything",
        AgentKind.SuggesterEditor => "suggester-editor",
        AgentKind.Augment => "augment",
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    public static string Of(AugmentMode m) => m switch
    {
        AugmentMode.Rephrase => "rephrase",
        AugmentMode.Augment => "augment",
        AugmentMode.Harder => "harder",
        AugmentMode.ChangeNumbers => "change-numbers",
        AugmentMode.Fractions => "fractions",
        _ => throw new ArgumentOutOfRangeException(nameof(m)),
    };

    public static IReadOnlyList<string> Modes { get; } = [.. Enum.GetValues<AugmentMode>().Select(Of)];

    public static AugmentMode ParseMode(string name) => Enum.GetValues<AugmentMode>().FirstOrDefault(m => Of(m) == name) is var m && Of(m) == name
        ? m
        : throw new Core.SiftException($"--modes: unknown augmentation mode '{name}'; expected {string.Join(", ", Modes)}");
}
