using Sift.Inference;
using Sift.Inference.Chat;
using Sift.Serving.Engine;
using Sift.Text;

namespace Sift.Serving;

/// <summary>Everything a request handler needs about the served model.</summary>
internal sealed class ServedModelState(IDecoderModel model, BatchEngine engine, ChatPrompt? chat, string name, ServeOptions options)
{
    public IDecoderModel Model { get; } = model;

    public BatchEngine Engine { get; } = engine;

    public ChatPrompt? Chat { get; } = chat;

    public string Name { get; } = name;

    public ServeOptions Options { get; } = options;

    public ServerMetrics Metrics { get; } = new();

    public ITokenizer? Tokenizer => Model.Tokenizer;

    public int Vocab => Model.VocabSize;

    public int MaxLength => Engine.MaxLength;

    public long Created { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Ids that end generation: EOS plus any end-of-turn ids the model declares.</summary>
    public IReadOnlyCollection<int> StopTokens { get; } = model.StopIds;

    /// <summary>Set when shutdown begins: new requests get 503 while in-flight ones finish.</summary>
    public volatile bool Draining;
}
