using Sift.Engine.Inference;
using Sift.Text;

namespace Sift.Inference;

/// <summary>
/// A causal language model that generation, evaluation and the server run on: Sift's engine over a model folder
/// (<see cref="LoadedModel"/>) or llama.cpp over a GGUF file. It gives the tokenizer and special ids, and opens
/// KV-cache sessions; sampling, batching, prompt sharing and stop handling are written once above it.
/// </summary>
public interface IDecoderModel : IDisposable
{
    /// <summary>What was loaded (a model folder or a GGUF file); recorded in outputs.</summary>
    string Source { get; }

    /// <summary>The tokenizer, when the model has one (token-id input works without one).</summary>
    ITokenizer? Tokenizer { get; }

    /// <summary>Id to add before text input, or none.</summary>
    int? BosId { get; }

    /// <summary>End-of-sequence id, or none.</summary>
    int? EosId { get; }

    /// <summary>Every id that ends generation (EOS and any end-of-turn ids the model declares).</summary>
    IReadOnlyCollection<int> StopIds { get; }

    /// <summary>Parameters of the model.</summary>
    long ParameterCount { get; }

    /// <summary>Logits per position.</summary>
    int VocabSize { get; }

    /// <summary>Longest sequence the model takes.</summary>
    int ContextLength { get; }

    /// <summary>The model's own chat template (Jinja source) and where it came from, or null.</summary>
    (string Template, string Source)? ChatTemplate { get; }

    /// <summary>A KV cache of <paramref name="maxSequences"/> slots of <paramref name="maxLength"/> positions.</summary>
    IDecodeSession OpenSession(int maxSequences, int maxLength);

    /// <summary>The tokenizer, or a clear error saying that <paramref name="what"/> needs one.</summary>
    ITokenizer RequireTokenizer(string what) => Tokenizer
        ?? throw new Core.SiftException($"{Source}: no tokenizer, so {what} must be given as token ids");
}
