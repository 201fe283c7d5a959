using Sift.Core;

namespace Sift.Eval.Prompts;

/// <summary>
/// A plain-text chat template for zero-shot prompting. The instruction is the one Qwen2.5-Math and DeepSeek-Math
/// evaluate with: "Please reason step by step, and put your final answer within \boxed{}."
/// </summary>
/// <param name="Name">Command-line name.</param>
/// <param name="Format">The prompt with <c>{question}</c> and <c>{instruction}</c> placeholders.</param>
/// <param name="Stop">Strings that end the model's turn.</param>
internal sealed record ChatTemplate(string Name, string Format, IReadOnlyList<string> Stop)
{
    /// <summary>The boxed-answer instruction.</summary>
    public const string Instruction = "Please reason step by step, and put your final answer within \\boxed{}.";

    /// <summary>
    /// <c>user-assistant</c> (default): <c>User: {question}\n{instruction}\n\nAssistant:</c> — the harness's
    /// <c>deepseek-math</c> prompt, readable by any base or chat model.
    /// </summary>
    public static ChatTemplate UserAssistant { get; } = new("user-assistant", "User: {question}\n{instruction}\n\nAssistant:", ["\n\nUser:"]);

    /// <summary>
    /// <c>chatml</c>: the Qwen2.5-Math format,
    /// <c>&lt;|im_start|&gt;system\n{instruction}&lt;|im_end|&gt;\n&lt;|im_start|&gt;user\n{question}&lt;|im_end|&gt;\n&lt;|im_start|&gt;assistant\n</c>.
    /// </summary>
    public static ChatTemplate ChatMl { get; } = new("chatml",
        "<|im_start|>system\n{instruction}<|im_end|>\n<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n",
        ["<|im_end|>", "<|endoftext|>"]);

    /// <summary>All templates.</summary>
    public static IReadOnlyList<ChatTemplate> All { get; } = [UserAssistant, ChatMl];

    /// <summary>By name.</summary>
    public static ChatTemplate Get(string name) => All.FirstOrDefault(t => t.Name == name)
        ?? throw new SiftException($"unknown chat template '{name}'; use {string.Join(" or ", All.Select(t => t.Name))}");

    /// <summary>The prompt for one question.</summary>
    public string Render(string question) =>
        Format.Replace("{instruction}", Instruction, StringComparison.Ordinal).Replace("{question}", question, StringComparison.Ordinal);
}
