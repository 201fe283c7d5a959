namespace Sift.Curation.Agents;

/// <summary>
/// The agents' user prompts. The augmentation ones are InternLM2-Math's query templates verbatim (spec §9; sent as the
/// only user turn, no system prompt, as its README does with an empty meta instruction). Orca-Math's figures for
/// Ask-Me-Anything and Suggester &amp; Editor are truncated in the paper (spec §5.1), so those follow its described
/// steps; they ask for JSON so a reply is checked field by field rather than guessed at.
/// </summary>
internal static class AgentPrompts
{
    /// <summary>InternLM2-Math's template for <paramref name="mode"/> applied to <paramref name="question"/>.</summary>
    public static string Augment(AugmentMode mode, string question) => mode switch
    {
        AugmentMode.Rephrase => $"Describe this problem in another way. {question}",
        AugmentMode.Augment => $"Please augment a new problem based on: {question}",
        AugmentMode.Harder => $"Increase the complexity of the problem: {question}",
        AugmentMode.ChangeNumbers => $"Change specific numbers: {question}",
        AugmentMode.Fractions => $"Introduce fractions or percentages: {question}",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>The solver: InternLM2-Math's CoT solver template is the question itself.</summary>
    public static string Solve(string question) => question;

    /// <summary>Ask-Me-Anything: statement, then one new problem per number whose answer is that number.</summary>
    public static string AskMeAnything(string question, string answer) => $$"""
        Here is a math word problem and its solution.

        Problem:
        {{question}}

        Solution:
        {{answer}}

        Step 1. Rewrite the problem together with its answer as one factual statement that contains all of its numbers.
        Step 2. For each number in the statement, write a new word problem whose answer is that number, giving the other numbers as facts.

        Reply with JSON only, in this form:
        {"statement": "...", "problems": [{"question": "...", "answer": "<the number>"}]}
        """;

    /// <summary>The suggester: ways to make the problem harder, without writing it.</summary>
    public static string Suggest(string question) => $"""
        Here is a math word problem.

        Problem:
        {question}

        List several ways to make this problem more complex, as short bullet points. Do not write the new problem and do not solve it.
        """;

    /// <summary>The editor: the harder problem from the original and the suggestions.</summary>
    public static string Edit(string question, string suggestions) => $$"""
        Here is a math word problem and suggestions to make it more complex.

        Problem:
        {{question}}

        Suggestions:
        {{suggestions}}

        Write the new, harder problem following the suggestions. It must be solvable and have one numerical answer. Do not solve it.
        Reply with JSON only, in this form:
        {"question": "..."}
        """;
}
