using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Grading;

namespace Sift.Cli.Commands;

/// <summary>`sift grade`: decide whether a predicted math answer equals the gold one, and why.</summary>
public static class GradeCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var gold = new Option<string?>("--gold", "-g") { Description = "Gold answer (LaTeX or plain)" };
        var pred = new Option<string?>("--pred", "-p") { Description = "Predicted answer, or a whole completion with --extract" };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "JSONL of {\"gold\", \"prediction\"} lines to grade" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "With --file: write each line back with \"equal\" and \"rule\" (default: stdout)" };
        var mode = new Option<string>("--mode", "-m") { Description = "strict: the correct verdict; compat: the Rho-1/ToRA harness, quirks included", DefaultValueFactory = _ => "strict" };
        mode.AcceptOnlyFromAmong("strict", "compat");
        var extract = new Option<bool>("--extract") { Description = "Extract the answer from a full completion first (boxed, \"The answer is\", ####, last number)" };
        var explain = new Option<bool>("--explain") { Description = "Show the normalised forms and the rule that decided" };
        var budget = new Option<double>("--budget") { Description = "Seconds allowed per comparison (a timeout counts as not equal)", DefaultValueFactory = _ => 3.0 };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var cmd = new Command("grade", """
            Grade math answers: exact rationals, LaTeX expressions, intervals, sets, tuples, matrices, equations, units.
              sift grade --gold '\frac{1}{2}' --pred '0.5' --explain
              sift grade --file cases.jsonl --output graded.jsonl --mode compat
            """)
        {
            gold, pred, file, output, mode, extract, explain, budget, json,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var m = pr.GetValue(mode) == "compat" ? GradeMode.Compat : GradeMode.Strict;
            var options = new GradeOptions { Budget = TimeSpan.FromSeconds(pr.GetValue(budget)) };
            bool ext = pr.GetValue(extract);
            GradeResult Grade(string g, string p) => ext ? Grader.GradeResponse(g, p, m, options) : Grader.Grade(g, p, m, options);
            if (pr.GetValue(file) is FileInfo f)
            {
                return GradeFile(f.FullName, pr.GetValue(output)?.FullName, Grade, pr.GetValue(json), m);
            }
            string g = pr.GetValue(gold) ?? throw new SiftException("give --gold and --pred, or --file");
            string p = pr.GetValue(pred) ?? throw new SiftException("give --gold and --pred, or --file");
            var r = Grade(g, p);
            if (pr.GetValue(json))
            {
                CommandRunner.WriteJson(new JsonObject
                {
                    ["equal"] = r.Equal,
                    ["rule"] = r.Rule,
                    ["mode"] = m.ToString().ToLowerInvariant(),
                    ["gold"] = r.NormalizedGold,
                    ["prediction"] = r.NormalizedPrediction,
                    ["timed_out"] = r.TimedOut,
                });
            }
            else
            {
                Console.WriteLine(r.Equal ? "equal" : "not equal");
                if (pr.GetValue(explain))
                {
                    Console.WriteLine(r.Explain());
                }
            }
            return r.Equal ? 0 : 1;
        }));
        return cmd;
    }

    private static int GradeFile(string path, string? output, Func<string, string, GradeResult> grade, bool json, GradeMode mode)
    {
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: file not found");
        }
        var summary = new GradingSummary();
        var sb = new StringBuilder();
        int lineNo = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            JsonObject o;
            try
            {
                o = JsonNode.Parse(line) as JsonObject ?? throw new SiftException($"{path}:{lineNo}: expected a JSON object");
            }
            catch (JsonException ex)
            {
                throw new SiftException($"{path}:{lineNo}: invalid JSON: {ex.Message}");
            }
            string g = Field(o, "gold", path, lineNo), p = Field(o, "prediction", path, lineNo);
            var r = grade(g, p);
            summary.Add(r);
            o["equal"] = r.Equal;
            o["rule"] = r.Rule;
            if (r.TimedOut)
            {
                o["timed_out"] = true;
            }
            sb.Append(o.ToJsonString()).Append('\n');
        }
        if (output is not null)
        {
            AtomicFile.WriteAllText(output, sb.ToString());
        }
        else if (!json)
        {
            Console.Write(sb.ToString());
        }
        var totals = new JsonObject
        {
            ["mode"] = mode.ToString().ToLowerInvariant(),
            ["total"] = summary.Total,
            ["equal"] = summary.Equal,
            ["accuracy"] = Math.Round(100.0 * summary.Accuracy, 3),
            ["timed_out"] = summary.TimedOut,
            ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 3),
        };
        if (json)
        {
            CommandRunner.WriteJson(totals);
        }
        else
        {
            Console.Error.WriteLine($"graded {summary.Total}: {summary.Equal} equal ({100.0 * summary.Accuracy:0.00}%), {summary.TimedOut} timed out");
        }
        return 0;
    }

    private static string Field(JsonObject o, string name, string path, int line) =>
        o[name] is JsonValue v && v.TryGetValue(out string? s) ? s
        : o[name] is JsonValue n ? n.ToJsonString()
        : throw new SiftException($"{path}:{line}: missing \"{name}\" (a string)");
}
