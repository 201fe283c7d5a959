using Sift.Eval.Datasets;
using Sift.Grading;
using Sift.Grading.Extraction;

namespace Sift.Eval.Grading;

/// <summary>One mode's verdict on one completion.</summary>
/// <param name="Answer">The extracted answer (compat: after the harness's <c>strip_string</c> passes).</param>
/// <param name="Correct">Whether it equals the gold answer.</param>
/// <param name="Rule">The rule that decided.</param>
/// <param name="TimedOut">The comparison ran out of its time budget (counted as wrong).</param>
internal sealed record Verdict(string Answer, bool Correct, string Rule, bool TimedOut = false);

/// <summary>Both modes' verdicts on one completion.</summary>
internal sealed record SampleVerdicts(Verdict Strict, Verdict Compat)
{
    /// <summary>The verdict of one mode.</summary>
    public Verdict For(GradeMode mode) => mode == GradeMode.Compat ? Compat : Strict;
}

/// <summary>
/// Grades completions in both modes. <b>compat</b> is the ZG harness end to end (<c>extract_answer</c>, two
/// <c>strip_string</c> passes, <c>math_equal</c> against the harness's gold); <b>strict</b> extracts with Sift's
/// extractor and compares against the dataset's own gold with the strict grader.
/// </summary>
internal sealed class SampleGrader(bool multipleChoice, GradeOptions? options = null)
{
    private readonly GradeOptions _options = (options ?? GradeOptions.Default) with { MultipleChoice = multipleChoice };

    /// <summary>Grades a completion; <paramref name="programResult"/> is PAL's <c>str(solution())</c> (the answer, when given).</summary>
    public SampleVerdicts Grade(string gold, string compatGold, string completion, string? programResult = null, CancellationToken cancel = default) =>
        new(Strict(gold, completion, programResult, cancel), Compat(compatGold, completion, programResult, cancel));

    /// <summary>Grades a problem's completion.</summary>
    public SampleVerdicts Grade(Problem p, string completion, string? programResult = null, CancellationToken cancel = default) =>
        Grade(p.Gold, p.CompatGold, completion, programResult, cancel);

    /// <summary>Strict verdict.</summary>
    public Verdict Strict(string gold, string completion, string? programResult, CancellationToken cancel = default)
    {
        var ex = programResult is not null ? new Extraction(programResult.Trim(), "program-output")
            : multipleChoice ? AnswerExtractor.ExtractChoice(completion) : AnswerExtractor.Extract(completion);
        if (ex.Answer.Length == 0)
        {
            return new Verdict("", false, "no-answer");
        }
        var r = Grader.Grade(gold, ex.Answer, GradeMode.Strict, _options, cancel);
        return new Verdict(ex.Answer, r.Equal, r.Rule, r.TimedOut);
    }

    /// <summary>Compat verdict, exactly the harness's.</summary>
    public Verdict Compat(string compatGold, string completion, string? programResult, CancellationToken cancel = default)
    {
        string code = Py.Strip(completion);
        if (programResult is null && code.Length == 0)
        {
            // run_execute returns pred None for an empty completion, which never equals anything.
            return new Verdict("", false, "empty-completion");
        }
        // PAL: run_execute strips the program's result once; otherwise extract_answer strips once and run_execute again.
        string pred = programResult is not null ? Grader.StripString(programResult) : Grader.StripString(AnswerExtractor.ExtractZg(code, multipleChoice));
        var r = Grader.GradeCompatNormalized(compatGold, pred, new Budget(_options.Budget, cancel));
        return new Verdict(pred, r.Equal, r.Rule, r.TimedOut);
    }
}
