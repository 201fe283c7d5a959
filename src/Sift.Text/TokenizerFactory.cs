using Sift.Core;

namespace Sift.Text;

/// <summary>Loads the tokenizer of a model folder (HF layout: tokenizer.json, optional tokenizer_config.json).</summary>
public static class TokenizerFactory
{
    /// <summary>Loads <c>modelDir/tokenizer.json</c> (and tokenizer_config.json beside it when present).</summary>
    public static HfTokenizer Load(string modelDir)
    {
        if (!Directory.Exists(modelDir))
        {
            throw new SiftException($"{modelDir}: model folder not found (expected a folder holding tokenizer.json)");
        }
        string path = Path.Combine(modelDir, "tokenizer.json");
        if (!File.Exists(path))
        {
            string hint = File.Exists(Path.Combine(modelDir, "tokenizer.model"))
                ? " (it has a SentencePiece tokenizer.model; convert it to tokenizer.json with HF transformers first)"
                : "";
            throw new SiftException($"{path}: tokenizer.json not found in model folder{hint}");
        }
        return HfTokenizer.Load(path);
    }
}
