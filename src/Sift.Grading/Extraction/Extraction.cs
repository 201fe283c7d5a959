namespace Sift.Grading.Extraction;

/// <summary>An extracted answer and the rule that found it (<c>minerva</c>, <c>boxed</c>, <c>answer-is</c>, <c>gsm8k</c>, <c>program-output</c>, <c>latex-math</c>, <c>last-number</c>, <c>choice</c>, <c>none</c>).</summary>
public sealed record Extraction(string Answer, string Rule);
