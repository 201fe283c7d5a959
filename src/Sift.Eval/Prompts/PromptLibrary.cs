using System.Reflection;
using System.Text;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.Eval.Prompts;

/// <summary>
/// The harness's few-shot prompt files, embedded byte for byte (Minerva's doubled backslashes included), so
/// evaluation needs no checkout of the harness. Names are <c>cot/gsm8k</c>, <c>pal/math</c>, <c>tora/math</c>, ...
/// </summary>
internal static class PromptLibrary
{
    private const string Prefix = "sift.prompts.";

    /// <summary>Names of the embedded files (without <c>.md</c>), sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(PromptLibrary).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".md", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^3].Replace('\\', '/'))
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The file's exact bytes.</summary>
    public static byte[] Bytes(string name)
    {
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream(Prefix + name + ".md")
            ?? throw new SiftException($"unknown prompt file '{name}'; embedded: {string.Join(", ", Names)}");
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>The file as text (UTF-8).</summary>
    public static string Text(string name) => new UTF8Encoding(false, true).GetString(Bytes(name));

    /// <summary>sha256 of the file, lower-case hex.</summary>
    public static string Sha256(string name) => Hashing.Sha256Hex(Bytes(name));

    /// <summary>
    /// An embedded name, or a path to a prompt file of one's own: its text and a label for records
    /// (<c>name</c> or <c>file:path</c>).
    /// </summary>
    public static (string Text, string Label) Load(string nameOrPath)
    {
        if (Names.Contains(nameOrPath))
        {
            return (Text(nameOrPath), nameOrPath);
        }
        if (File.Exists(nameOrPath))
        {
            return (File.ReadAllText(nameOrPath), "file:" + Path.GetFullPath(nameOrPath));
        }
        throw new SiftException($"few-shot prompt '{nameOrPath}' is neither an embedded file ({string.Join(", ", Names)}) nor an existing file");
    }
}
