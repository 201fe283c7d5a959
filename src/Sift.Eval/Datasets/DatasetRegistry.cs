using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Grading.Extraction;
using static Sift.Eval.Datasets.RecordFields;

namespace Sift.Eval.Datasets;

/// <summary>
/// The benchmarks Sift knows, each defined as the ZubinGou/math-evaluation-harness (Rho-1's harness) reads it:
/// <c>parse_question</c>, <c>parse_ground_truth</c> with the exact number of <c>strip_string</c> passes the gold goes
/// through before <c>math_equal</c>, the prompt file <c>load_prompt</c> picks and the answer extraction.
/// </summary>
internal static class DatasetRegistry
{
    internal const string McSuffix = "\nWhat of the following is the right choice? Explain your answer.\n";

    // The harness's mmlu_stem: lm-evaluation-harness's STEM group less anatomy (3,018 test questions).
    private static readonly string[] MmluStemSubjects =
    [
        "abstract_algebra", "astronomy", "college_biology", "college_chemistry", "college_computer_science", "college_mathematics",
        "college_physics", "computer_security", "conceptual_physics", "electrical_engineering", "elementary_mathematics",
        "high_school_biology", "high_school_chemistry", "high_school_computer_science", "high_school_mathematics",
        "high_school_physics", "high_school_statistics", "machine_learning",
    ];

    /// <summary>All definitions, in listing order.</summary>
    public static IReadOnlyList<DatasetDefinition> All { get; } =
    [
        new()
        {
            Name = "gsm8k",
            Description = "GSM8K test (1,319 grade-school word problems), 8-shot CoT",
            DefaultFiles = ["harness/gsm8k/test.jsonl", "gsm8k/test.jsonl"],
            Hub = new() { Repo = "openai/gsm8k", Files = ["main/test-*.parquet"], Note = "the GSM8K test split as OpenAI publishes it (question, answer; 1,319 rows) — revision and sha256 not verified offline" },
            ExpectedCount = 1319,
            Question = DefaultQuestion,
            Gold = o => AnswerExtractor.ExtractGsm8kGold(RecordFields.Text(o, "answer")),
            // gt = answer.split("####")[1]; stripped when parsed and again in evaluate().
            CompatGold = o => Strip(SplitHashes(RecordFields.Text(o, "answer")), 2),
            CotPrompt = "cot/gsm8k",
            PalPrompt = "pal/gsm8k",
            ToolPrompt = "tora/gsm8k",
        },
        new()
        {
            Name = "math",
            Description = "MATH test (5,000 competition problems), 5-shot CoT (harness cot/math.md)",
            DefaultFiles = ["math/test.jsonl"],
            Hub = new() { Repo = "EleutherAI/hendrycks_math", Files = ["*/test-*.parquet"], Note = "the full MATH test split, one Parquet file per subject (problem, level, type, solution; 5,000 rows, ordered by subject, not as the harness file) — hendrycks/competition_math itself is no longer served; revision and sha256 not verified offline" },
            ExpectedCount = 5000,
            Question = DefaultQuestion,
            Gold = o => Boxed(RecordFields.Text(o, "solution")),
            // evaluate() re-extracts from gt_cot = solution.strip(): one strip in all.
            CompatGold = o => ZgBoxed(Py.Strip(RecordFields.Text(o, "solution")), 0),
            CompatGoldFromCot = true,
            CotPrompt = "cot/math",
            CotContext = ContextStyle.ProblemSolution,
            PalPrompt = "pal/math",
            ToolPrompt = "tora/math",
            Subject = o => Optional(o, "type"),
            Level = o => Level(o, "level"),
        },
        new()
        {
            Name = "math500",
            Aliases = ["minerva_math", "math-500"],
            Description = "MATH-500 (PRM800K split), 4-shot Minerva CoT: Rho-1's \"MATH\" (harness data name minerva_math)",
            DefaultFiles = ["math500/test.jsonl", "harness/math_oai/test.jsonl"],
            Hub = new() { Repo = "HuggingFaceH4/MATH-500", Files = ["test.jsonl"], Note = "PRM800K's MATH-500 split as JSONL (believed identical to the harness's math_oai/test.jsonl, sha256 35dc4108… in the shared mirror, but not verified) — revision and sha256 not verified offline" },
            ExpectedCount = 500,
            Question = DefaultQuestion,
            Gold = o => o.ContainsKey("answer") ? Str(o, "answer") : Boxed(RecordFields.Text(o, "solution")),
            // minerva_math: extract_answer + strip when parsed, strip again in evaluate(): three strips.
            CompatGold = o => ZgBoxed(RecordFields.Text(o, "solution"), 2),
            CotPrompt = "cot/minerva_math",
            CotContext = ContextStyle.ProblemSolution,
            PalPrompt = "pal/math",
            ToolPrompt = "tora/math",
            Subject = o => Optional(o, "subject"),
            Level = o => Level(o, "level"),
        },
        new()
        {
            Name = "svamp",
            Description = "SVAMP (1,000 varied arithmetic word problems), GSM8K 8-shot CoT",
            DefaultFiles = ["harness/svamp/test.jsonl"],
            Hub = new() { Repo = "ChilleD/SVAMP", Files = ["**/train-*.parquet", "**/test-*.parquet"], Note = "SVAMP's 1,000 problems published as a 700/300 train/test split (ID, Body, Question, Equation, Answer, Type); both are read, in file order, not the harness's — revision and sha256 not verified offline" },
            ExpectedCount = 1000,
            Question = o =>
            {
                string body = Py.Strip(RecordFields.Text(o, "Body"));
                return $"{(body.EndsWith('.') ? body : body + ".")} {Py.Strip(RecordFields.Text(o, "Question"))}";
            },
            Gold = o => CleanNumber(Str(o, "Answer")),
            CompatGold = o => Strip(Str(o, "Answer"), 2),
            CotPrompt = "cot/gsm8k",
            PalPrompt = "pal/gsm8k",
            ToolPrompt = "tora/gsm8k",
            Subject = o => Optional(o, "Type"),
        },
        new()
        {
            Name = "asdiv",
            Description = "ASDiv (2,215 diverse math word problems), GSM8K 8-shot CoT",
            DefaultFiles = ["harness/asdiv/test.jsonl"],
            Hub = new() { Repo = "EleutherAI/asdiv", Files = ["**/validation-*.parquet"], Note = "ASDiv as lm-evaluation-harness reads it (body, question, solution_type, answer, formula): 2,305 rows, where the harness file has 2,215, so numbers are not comparable — revision and sha256 not verified offline" },
            ExpectedCount = 2215,
            Question = o => $"{Py.Strip(RecordFields.Text(o, "body"))} {Py.Strip(RecordFields.Text(o, "question"))}",
            Gold = o => Py.Strip(RemoveParenthesised(Str(o, "answer"))),
            CompatGold = o => Strip(RemoveParenthesised(Str(o, "answer")), 2),
            CotPrompt = "cot/gsm8k",
            PalPrompt = "pal/gsm8k",
            ToolPrompt = "tora/gsm8k",
            Subject = o => Optional(o, "solution_type"),
        },
        new()
        {
            Name = "mawps",
            Description = "MAWPS (2,065 problems: SingleEq, SingleOp, AddSub, MultiArith), GSM8K 8-shot CoT",
            DefaultFiles = ["harness/mawps/test.jsonl"],
            NoHubReason = "no Hub dataset publishes the harness's MAWPS file (input, target, type over SingleEq, SingleOp, AddSub, MultiArith); the Calc-* conversions use other fields",
            ExpectedCount = 2065,
            Question = DefaultQuestion,
            Gold = o => CleanNumber(Str(o, "target")),
            CompatGold = o => Strip(Str(o, "target"), 2),
            CotPrompt = "cot/gsm8k",
            PalPrompt = "pal/gsm8k",
            ToolPrompt = "tora/gsm8k",
            Subject = o => Optional(o, "type"),
        },
        new()
        {
            Name = "gsm_hard",
            Aliases = ["gsm-hard", "gsmhard"],
            Description = "GSM-Hard (GSM8K with large numbers, 1,319), GSM8K 8-shot CoT",
            DefaultFiles = ["harness/gsm_hard/test.jsonl"],
            Hub = new() { Repo = "reasoning-machines/gsm-hard", Files = ["*.jsonl"], Note = "PAL's GSM-Hard (input, code, target; 1,319 rows) — revision and sha256 not verified offline" },
            ExpectedCount = 1319,
            Question = DefaultQuestion,
            Gold = o => CleanNumber(Str(o, "target")),
            CompatGold = o => Strip(Str(o, "target"), 2),
            CotPrompt = "cot/gsm8k",
            PalPrompt = "pal/gsm8k",
            ToolPrompt = "tora/gsm8k",
        },
        new()
        {
            Name = "mathqa",
            Description = "MathQA (1,000 sampled test problems, multiple choice A–E), 4-shot CoT",
            DefaultFiles = ["harness/mathqa/test.jsonl"],
            Hub = new()
            {
                Repo = "allenai/math_qa",
                Revision = "refs/convert/parquet",
                Files = ["default/test/*.parquet"],
                Rename = new Dictionary<string, string> { ["Problem"] = "problem", ["Rationale"] = "rationale", ["category"] = "type" },
                Note = "the whole MathQA test split (2,985 rows, from the Hub's Parquet conversion of a script dataset); the harness samples 1,000 of them, so numbers are not comparable — revision is a branch, sha256 not verified offline",
            },
            ExpectedCount = 1000,
            Question = o =>
            {
                string p = RecordFields.Text(o, "problem");
                p = p.Length > 0 ? char.ToUpperInvariant(p[0]) + p[1..] : p;
                return Py.Strip(p) + McSuffix + MathQaOptions(Str(o, "options"));
            },
            Gold = o => Choice(RecordFields.Text(o, "correct")),
            CompatGold = o => Strip(Choice(RecordFields.Text(o, "correct")), 2),
            MultipleChoice = true,
            CotPrompt = "cot/mathqa",
            CotContext = ContextStyle.ProblemSolution,
            Subject = o => Optional(o, "type"),
        },
        new()
        {
            Name = "mmlu_stem",
            Aliases = ["mmlu-stem"],
            Description = "MMLU STEM subjects (3,018, multiple choice A–D), 4-shot CoT",
            DefaultFiles = ["harness/mmlu_stem/test.jsonl"],
            Hub = new()
            {
                Repo = "cais/mmlu",
                Files = [.. MmluStemSubjects.Select(s => $"{s}/test-*.parquet")],
                Rename = new Dictionary<string, string> { ["subject"] = "type" },
                Note = "the 18 MMLU STEM subjects the harness uses (3,018 rows; question, subject → type, choices, answer) — revision and sha256 not verified offline",
            },
            ExpectedCount = 3018,
            Question = o => Py.Strip(Str(o, "question")) + McSuffix + LetteredChoices(o, "choices"),
            Gold = o => MmluLetter(o),
            CompatGold = o => Strip(MmluLetter(o), 2),
            MultipleChoice = true,
            CotPrompt = "cot/mmlu_stem",
            CotContext = ContextStyle.ProblemSolution,
            Subject = o => Optional(o, "type"),
        },
        new()
        {
            Name = "sat_math",
            Aliases = ["sat-math", "sat"],
            Description = "SAT-Math (AGIEval, 32, multiple choice A–D), MMLU-STEM 4-shot CoT",
            DefaultFiles = ["harness/sat_math/test.jsonl"],
            NoHubReason = "the harness's 32-problem SAT-Math file (id, question, options, Answer) is not published on the Hub; AGIEval's SAT-Math there has 220 problems in another format",
            ExpectedCount = 32,
            Question = o => Py.Strip(Str(o, "question")) + McSuffix + SatOptions(Str(o, "options")),
            Gold = o => Choice(RecordFields.Text(o, "Answer")),
            CompatGold = o => Strip(RecordFields.Text(o, "Answer"), 2),
            MultipleChoice = true,
            CotPrompt = "cot/mmlu_stem",
            CotContext = ContextStyle.ProblemSolution,
        },
        new()
        {
            Name = "ocw",
            Aliases = ["ocw_courses"],
            Description = "OCW Courses (Minerva, 272 STEM problems); the harness has no few-shot file for it, so cot is zero-shot",
            DefaultFiles = ["harness/ocw/test.jsonl"],
            NoHubReason = "the harness's OCW Courses file (problem, solution with \\boxed{}, type) is not published on the Hub in that form",
            ExpectedCount = 272,
            Question = DefaultQuestion,
            Gold = o => Boxed(RecordFields.Text(o, "solution")),
            CompatGold = o => ZgBoxed(Py.Strip(RecordFields.Text(o, "solution")), 0),
            CompatGoldFromCot = true,
            CotPrompt = null,
            PalPrompt = "pal/math",
            ToolPrompt = "tora/math",
            Subject = o => Optional(o, "type"),
        },
    ];

    /// <summary>Finds a definition by name or alias (case-insensitive); unknown names list the known ones.</summary>
    public static DatasetDefinition Get(string name)
    {
        foreach (var d in All)
        {
            if (d.Names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
            {
                return d;
            }
        }
        throw new SiftException($"unknown dataset '{name}'; known datasets: {string.Join(", ", All.Select(d => d.Name))}");
    }

    private static string SplitHashes(string answer)
    {
        // Python: gt_cot, gt_ans = answer.split("####") — exactly one separator.
        var parts = answer.Split("####");
        return parts.Length == 2 ? parts[1] : throw new SiftException($"field \"answer\" must contain exactly one \"####\", found {parts.Length - 1}");
    }

    private static string Choice(string letter)
    {
        string up = Py.Strip(letter).ToUpperInvariant();
        return up is "A" or "B" or "C" or "D" or "E" ? up : throw new SiftException($"the correct choice must be a letter A–E, found \"{letter}\"");
    }

    private static string MmluLetter(JsonObject o)
    {
        // "ABCD"[answer]
        string a = Str(o, "answer");
        return int.TryParse(a, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k) && k is >= 0 and < 4
            ? "ABCD"[k].ToString()
            : throw new SiftException($"field \"answer\" must be an option index 0–3, found {a}");
    }
}
