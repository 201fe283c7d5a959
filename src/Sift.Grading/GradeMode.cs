namespace Sift.Grading;

/// <summary>Which verdict policy to apply.</summary>
public enum GradeMode
{
    /// <summary>The correct verdict: exact rationals, brackets respected, no percentage ×100 leniency, no unit-word deletion inside expressions.</summary>
    Strict,

    /// <summary>A faithful port of the ZG/Rho-1/ToRA harness (<c>strip_string</c> + <c>math_equal</c>), quirks included, for comparable numbers.</summary>
    Compat,
}
