namespace Sift.Rewards.Integrative;

/// <summary>
/// Integrative Decoding's input template (arXiv 2410.01556, repo <c>truthfulqa/prompt_templates/voting_decoding_template.txt</c>):
/// the question, one earlier sampled answer, and the instruction to answer again. The paper's other tasks change only
/// the instruction (Biographies, LongFact), so it is a parameter.
/// </summary>
internal static class IntegrativePrompt
{
    /// <summary>The TruthfulQA instruction.</summary>
    public const string DefaultInstruction = "Answer the above question again with one or two sentences. Ensure the factuality of the answer.";

    /// <summary><c>Question: {q}\nAnswer: {r}\n\n{instruction}\nRefined Answer:</c>, as the template file lays it out.</summary>
    public static string Build(string question, string sampledAnswer, string instruction = DefaultInstruction) =>
        $"Question: {question}\nAnswer: {sampledAnswer}\n\n{instruction}\nRefined Answer:";
}
