namespace Sift.Synth;

/// <summary>
/// A generated word problem in the GSM8K layout: the solution is worked steps, one per line, then
/// "#### answer". <see cref="Text"/> is "question\nsolution" with per-character provenance (all
/// <see cref="Provenance.Clean"/>, or wrong-context / wrong-number for a deliberately wrong solution).
/// </summary>
/// <param name="Question">The question.</param>
/// <param name="Solution">Worked steps and the final "#### answer" line.</param>
/// <param name="Answer">The final answer as written after "####" ("72", "7.50").</param>
/// <param name="Tier">Difficulty.</param>
/// <param name="Template">Template id.</param>
/// <param name="Key">Template, tier and drawn numbers: identifies the instance apart from names and items.</param>
/// <param name="Text">Question, newline, solution, with labels.</param>
/// <param name="Wrong">True when a step of the solution is deliberately wrong.</param>
public sealed record SynthProblem(string Question, string Solution, string Answer, Tier Tier, string Template, string Key, LabeledText Text, bool Wrong);
