using System.Text;
using System.Text.RegularExpressions;

namespace Sift.Eval.Programs;

/// <summary>One piece of a tool-integrated solution.</summary>
/// <param name="Role"><c>rationale</c>, <c>program</c> or <c>output</c>.</param>
/// <param name="Content">The text (programs and outputs without their fences).</param>
internal sealed record TrajectoryPart(string Role, string Content);

/// <summary>
/// Reading programs out of model text the way the harness's <c>trajectory.py</c> does: fences are whole lines
/// (<c>```python</c>, <c>```</c>, <c>```output</c>); a program whose output looks like an error contributes only its
/// imports; earlier programs lose their <c>print(</c> lines so only the newest one prints.
/// </summary>
internal partial class ProgramText
{
    /// <summary>What <c>extract_program</c> returns when the text does not parse as a trajectory.</summary>
    public const string InvalidTrajectory = "raise ValueError('Invalid trajectory')";

    private static readonly string[] ErrorWords = ["error", "exception", "no algorithms", "cannot", "nan", "..."];

    /// <summary><c>text_to_trajectory</c>; null where the harness's assertions would fail.</summary>
    public static List<TrajectoryPart>? ToTrajectory(string text)
    {
        var parts = new List<TrajectoryPart>();
        string role = "rationale";
        var content = new StringBuilder();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line == "```python")
            {
                if (role != "rationale")
                {
                    return null;
                }
                if (content.Length > 0)
                {
                    parts.Add(new TrajectoryPart(role, content.ToString()));
                    content.Clear();
                }
                role = "program";
            }
            else if (role == "program" && line == "```")
            {
                if (content.Length == 0)
                {
                    return null;
                }
                parts.Add(new TrajectoryPart(role, content.ToString()));
                content.Clear();
                role = "output";
            }
            else if (role == "output" && line.StartsWith("```output", StringComparison.Ordinal))
            {
                if (content.Length > 0)
                {
                    return null;
                }
            }
            else if (role == "output" && line == "```")
            {
                parts.Add(new TrajectoryPart(role, content.ToString()));
                content.Clear();
                role = "rationale";
            }
            else
            {
                content.Append(line);
                if (i < lines.Length - 1)
                {
                    content.Append('\n');
                }
            }
        }
        if (content.Length > 0)
        {
            parts.Add(new TrajectoryPart(role, content.ToString()));
        }
        return parts;
    }

    /// <summary><c>is_execution_success</c>: no error-like word in the output.</summary>
    public static bool LooksSuccessful(string output)
    {
        string lower = output.ToLowerInvariant();
        return ErrorWords.All(w => !lower.Contains(w, StringComparison.Ordinal));
    }

    /// <summary><c>extract_program(text)</c>: the program to run for the newest code block, carrying earlier successful ones.</summary>
    public static string ExtractProgram(string text)
    {
        var trajectory = ToTrajectory(text);
        if (trajectory is null)
        {
            return InvalidTrajectory;
        }
        var programs = new List<string>();
        var imports = new List<string>();
        for (int i = 0; i < trajectory.Count; i++)
        {
            if (trajectory[i].Role != "program")
            {
                continue;
            }
            string program = trajectory[i].Content;
            if (i < trajectory.Count - 1)
            {
                if (trajectory[i + 1].Role != "output")
                {
                    return InvalidTrajectory;
                }
                if (LooksSuccessful(trajectory[i + 1].Content.Trim()))
                {
                    programs.Add(program);
                }
                else
                {
                    imports.AddRange(program.Split('\n').Where(l => l.StartsWith("import", StringComparison.Ordinal) || l.StartsWith("from", StringComparison.Ordinal)));
                }
            }
            else
            {
                programs.Add(program);
            }
        }
        if (programs.Count == 0)
        {
            programs.Add("");
        }
        if (imports.Count > 0)
        {
            programs[0] = string.Join("\n", imports) + "\n" + programs[0];
        }
        for (int i = 0; i < programs.Count - 1; i++)
        {
            programs[i] = string.Join("\n", programs[i].Split('\n').Where(l => !l.Trim().StartsWith("print(", StringComparison.Ordinal)));
        }
        return string.Join("\n", programs);
    }

    /// <summary><c>extract_program_output</c>: the last ```output block's content, or "".</summary>
    public static string LastOutput(string text)
    {
        var m = OutputBlock().Matches(text);
        return m.Count > 0 ? m[^1].Groups[1].Value : "";
    }

    [GeneratedRegex(@"```output\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex OutputBlock();
}
