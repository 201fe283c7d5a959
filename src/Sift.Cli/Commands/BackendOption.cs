using System.CommandLine;
using Sift.Core;

namespace Sift.Cli.Commands;

/// <summary>`--backend sift|llamacpp`: Sift's engine over a model folder, or llama.cpp (LLamaSharp) over a GGUF file.</summary>
internal static class BackendOption
{
    public static Option<string> Create()
    {
        var o = new Option<string>("--backend")
        {
            Description = "sift (the local engine, -m a model folder) or llamacpp (llama.cpp through LLamaSharp, -m a GGUF file from `sift export gguf`)",
            DefaultValueFactory = _ => "sift",
        };
        o.AcceptOnlyFromAmong("sift", "llamacpp");
        return o;
    }

    /// <summary>The GGUF path when --backend llamacpp is chosen, else null; checks that -m names a file.</summary>
    public static string? GgufPath(ParseResult pr, Option<string> backend, Option<string?> model)
    {
        if (pr.GetValue(backend) != "llamacpp")
        {
            return null;
        }
        string path = pr.GetValue(model) ?? throw new SiftException("--backend llamacpp needs --model FILE.gguf");
        if (!File.Exists(path))
        {
            throw new SiftException(Directory.Exists(path)
                ? $"{path}: --backend llamacpp runs a GGUF file, not a model folder; write one with `sift export gguf -m {path} -o model.gguf`"
                : $"{path}: GGUF file not found");
        }
        return path;
    }
}
