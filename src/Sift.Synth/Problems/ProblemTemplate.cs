namespace Sift.Synth.Problems;

/// <summary>
/// One kind of word problem. <see cref="Build"/> writes the question and the worked steps into the draw and
/// returns the final answer (the generator appends "#### answer"). The final answer is always the result of
/// the last equation, so a reader can recompute every step and the answer from the text alone.
/// </summary>
internal sealed record ProblemTemplate(string Id, string Category, Tier[] Tiers, Func<ProblemDraw, Quantity> Build);
