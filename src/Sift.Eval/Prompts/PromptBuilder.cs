using Sift.Core;
using Sift.Core.IO;
using Sift.Eval.Datasets;

namespace Sift.Eval.Prompts;

/// <summary>
/// Assembles prompts exactly as the harness's <c>construct_prompt</c> does for base models:
/// <c>open(file).read().strip() + "\n\n\n" + context</c>, with the context phrased per dataset and prompt kind.
/// </summary>
internal sealed class PromptBuilder
{
    /// <summary>Stop strings for few-shot CoT (vLLM's, not included in the output).</summary>
    public static readonly IReadOnlyList<string> CotStop = ["</s>", "\n\nQuestion:", "\n\nProblem:"];

    /// <summary>Stop strings for PAL and tool-integrated prompting.</summary>
    public static readonly IReadOnlyList<string> ProgramStop = ["</s>", "\n\n---", "```output"];

    private readonly DatasetDefinition _def;
    private readonly string _demo;

    /// <summary>Prepares the few-shot part once.</summary>
    /// <param name="def">The dataset.</param>
    /// <param name="kind">The prompt kind.</param>
    /// <param name="fewShot">Override of the few-shot file: an embedded name (<c>cot/math</c>) or a path; "none" for zero-shot.</param>
    /// <param name="chat">Template for <see cref="PromptKind.Chat"/> (default <see cref="ChatTemplate.UserAssistant"/>).</param>
    public PromptBuilder(DatasetDefinition def, PromptKind kind, string? fewShot = null, ChatTemplate? chat = null)
    {
        _def = def;
        Kind = kind;
        Chat = chat ?? ChatTemplate.UserAssistant;
        if (def.MultipleChoice && kind is PromptKind.Pal or PromptKind.Tool)
        {
            throw new SiftException($"--prompt {kind.Name()} needs a numeric answer; {def.Name} is multiple choice (use cot or chat)");
        }
        string? file = kind switch
        {
            PromptKind.Cot => def.CotPrompt,
            PromptKind.Pal => def.PalPrompt,
            PromptKind.Tool => def.ToolPrompt,
            _ => null,
        };
        if (fewShot is not null)
        {
            if (kind == PromptKind.Chat)
            {
                throw new SiftException("--few-shot does not apply to --prompt chat (zero-shot)");
            }
            file = fewShot == "none" ? null : fewShot;
        }
        if (file is null)
        {
            _demo = "";
            FewShot = "none";
        }
        else
        {
            var (text, label) = PromptLibrary.Load(file);
            // Python's text-mode read() turns CRLF into LF; strip() then trims both ends.
            _demo = Py.Strip(text.Replace("\r\n", "\n", StringComparison.Ordinal)) + "\n\n\n";
            FewShot = label;
            FewShotSha256 = Hashing.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(text));
        }
        Stop = kind switch
        {
            PromptKind.Cot => CotStop,
            PromptKind.Pal or PromptKind.Tool => ProgramStop,
            _ => ["</s>", .. Chat.Stop],
        };
    }

    /// <summary>The prompt kind.</summary>
    public PromptKind Kind { get; }

    /// <summary>The chat template (used by <see cref="PromptKind.Chat"/> only).</summary>
    public ChatTemplate Chat { get; }

    /// <summary>The few-shot file used (<c>cot/gsm8k</c>, <c>file:/path</c>, or <c>none</c>).</summary>
    public string FewShot { get; }

    /// <summary>sha256 of the few-shot file's bytes, when there is one.</summary>
    public string? FewShotSha256 { get; }

    /// <summary>Strings that end a completion.</summary>
    public IReadOnlyList<string> Stop { get; }

    /// <summary>The full prompt for one problem.</summary>
    public string Build(Problem p) => Build(p.Question);

    /// <summary>The full prompt for a question.</summary>
    public string Build(string question) => Kind switch
    {
        PromptKind.Cot when _def.CotContext == ContextStyle.ProblemSolution => _demo + $"Problem:\n{question}\nSolution:",
        PromptKind.Cot => _demo + $"Question: {question}\nAnswer:",
        PromptKind.Pal => _demo + $"Question: {question}",
        PromptKind.Tool => _demo + $"Question: {question}\n\nSolution:",
        _ => Chat.Render(question),
    };
}
