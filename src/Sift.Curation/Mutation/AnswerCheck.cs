using System.Globalization;
using Sift.Sandbox;

namespace Sift.Curation.Mutation;

/// <summary>Why a mutation was rejected (the names are the summary's keys).</summary>
internal static class RejectReason
{
    /// <summary>The mutated question equals one already produced (or a source question).</summary>
    public const string Duplicate = "duplicate";

    /// <summary>The program raised ZeroDivisionError.</summary>
    public const string DivisionByZero = "division_by_zero";

    /// <summary>The program raised another error (or hit a resource limit).</summary>
    public const string Error = "error";

    /// <summary>The program ran past the time limit.</summary>
    public const string Timeout = "timeout";

    /// <summary>solution() returned something that is not a finite number.</summary>
    public const string NotANumber = "not_a_number";

    /// <summary>The source answer is a whole number and the new one is not.</summary>
    public const string NonInteger = "non_integer";

    /// <summary>The source answer is not negative and the new one is.</summary>
    public const string Negative = "negative";

    /// <summary>The new answer equals the source answer.</summary>
    public const string Unchanged = "unchanged";

    /// <summary>Every reason, in the order they are checked after a run.</summary>
    public static IReadOnlyList<string> All { get; } = [Duplicate, Timeout, DivisionByZero, Error, NotANumber, NonInteger, Negative, Unchanged];
}

/// <summary>
/// Judges a mutated program's run against the source program's answer. Answers are what PAL reads:
/// <c>str(solution())</c>, compared as numbers. "Whole number" allows a float that equals one (Python's 18.0).
/// Only the answer is checked: an intermediate negative count that the program cancels out goes unnoticed.
/// </summary>
internal static class AnswerCheck
{
    /// <summary>The source answer as a number, or null when it is not one.</summary>
    public static double? Number(string result) =>
        double.TryParse(result.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;

    /// <summary>The rejection reason, or null when the run is an acceptable new problem.</summary>
    public static string? Judge(ProgramReport run, double source)
    {
        if (run.Report != "Done")
        {
            return run.Report == "Timeout Error" ? RejectReason.Timeout
                : run.Report.StartsWith("ZeroDivisionError", StringComparison.Ordinal) ? RejectReason.DivisionByZero
                : RejectReason.Error;
        }
        if (Number(run.Result) is not { } v)
        {
            return RejectReason.NotANumber;
        }
        if (IsWhole(source) && !IsWhole(v))
        {
            return RejectReason.NonInteger;
        }
        if (source >= 0 && v < 0)
        {
            return RejectReason.Negative;
        }
        return Same(v, source) ? RejectReason.Unchanged : null;
    }

    internal static bool IsWhole(double v) => Math.Abs(v - Math.Round(v)) <= 1e-9 * Math.Max(1, Math.Abs(v));

    private static bool Same(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));
}
