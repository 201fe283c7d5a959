namespace Sift.Eval.Datasets;

/// <summary>One benchmark problem, read through its dataset definition.</summary>
internal sealed record Problem
{
    /// <summary>The harness's <c>idx</c> (the record's own <c>idx</c> field, else its 0-based position in the file).</summary>
    public required int Idx { get; init; }

    /// <summary>The question as the harness builds it (options appended for multiple choice).</summary>
    public required string Question { get; init; }

    /// <summary>The gold answer as the dataset states it (strict grading uses this).</summary>
    public required string Gold { get; init; }

    /// <summary>The gold answer exactly as the ZG harness ends up comparing against (after its <c>strip_string</c> passes).</summary>
    public required string CompatGold { get; init; }

    /// <summary>Subject or type (MATH, MMLU-STEM, MAWPS), when the dataset has one.</summary>
    public string? Subject { get; init; }

    /// <summary>Difficulty level (MATH: "1".."5"), when the dataset has one.</summary>
    public string? Level { get; init; }

    /// <summary>1-based line of the record in its file.</summary>
    public int Line { get; init; }
}
