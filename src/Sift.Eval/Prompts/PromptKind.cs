using Sift.Core;

namespace Sift.Eval.Prompts;

/// <summary>How problems are put to the model.</summary>
internal enum PromptKind
{
    /// <summary>Few-shot chain of thought, exactly as the harness builds it.</summary>
    Cot,

    /// <summary>Program-aided: the model writes <c>solution()</c>; the answer is what it returns.</summary>
    Pal,

    /// <summary>Tool-integrated (ToRA): ```python blocks are run and their ```output fed back, up to N rounds.</summary>
    Tool,

    /// <summary>Zero-shot chat with a <c>\boxed{}</c> instruction, rendered by a <see cref="ChatTemplate"/>.</summary>
    Chat,
}

/// <summary>Names of <see cref="PromptKind"/> on the command line and in records.</summary>
internal static class PromptKinds
{
    /// <summary>Command-line name.</summary>
    public static string Name(this PromptKind k) => k.ToString().ToLowerInvariant();

    /// <summary>Parses a command-line name.</summary>
    public static PromptKind Parse(string s) => s.ToLowerInvariant() switch
    {
        "cot" => PromptKind.Cot,
        "pal" => PromptKind.Pal,
        "tool" or "tora" or "tool-integrated" => PromptKind.Tool,
        "chat" => PromptKind.Chat,
        _ => throw new SiftException($"unknown prompt '{s}'; use cot, pal, tool or chat"),
    };
}
