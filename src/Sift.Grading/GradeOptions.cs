namespace Sift.Grading;

/// <summary>Tuning knobs for <see cref="Grader"/>. The defaults are the documented strict policy.</summary>
public sealed record GradeOptions
{
    /// <summary>Default options.</summary>
    public static readonly GradeOptions Default = new();

    /// <summary>Time budget per comparison (the harness used 3 s).</summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Strict mode: when set, numbers involving a decimal literal are compared after rounding both to this many
    /// decimals (Math-Verify's <c>float_rounding</c>). When null, a decimal prediction must equal the gold rounded to
    /// the prediction's own precision (3–6 decimals and at least 4 significant digits) and a decimal gold needs 1e-6 relative agreement.
    /// </summary>
    public int? FloatRounding { get; init; }

    /// <summary>
    /// Strict mode: also accept a predicted inequality (<c>x &gt; 3</c>) for a gold interval (<c>(3,\infty)</c>); a gold
    /// inequality always accepts the interval. Off by default, as Math-Verify's <c>allow_set_relation_comp</c> (its
    /// asymmetry is deliberate: an interval gold asks for an interval).
    /// </summary>
    public bool AllowSetRelationComparison { get; init; }

    /// <summary>Strict mode: variable names matter (<c>f(x)</c> ≠ <c>f(y)</c>). When false, variables are matched up by sorted order.</summary>
    public bool StrictVariables { get; init; } = true;

    /// <summary><see cref="Grader.GradeResponse"/>: the answer is a multiple-choice letter (A–E), extracted as such.</summary>
    public bool MultipleChoice { get; init; }

    /// <summary>Number of random points for expressions with free variables.</summary>
    public int RandomPoints { get; init; } = 6;

    /// <summary>Seed of the deterministic random points.</summary>
    public int Seed { get; init; } = 12345;
}
