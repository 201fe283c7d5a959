using System.Text.Json;
using Sift.Inference;
using Sift.Inference.Chat;
using Sift.Serving.Engine;
using Sift.Text;

namespace Sift.Serving;

/// <summary>Everything a request handler needs about the served model.</summary>
internal sealed class ServedModelState(LoadedModel model, BatchEngine engine, ChatPrompt? chat, string name, ServeOptions options)
{
    public LoadedModel Model { get; } = model;

    public BatchEngine Engine { get; } = engine;

    public ChatPrompt? Chat { get; } = chat;

    public string Name { get; } = name;

    public ServeOptions Options { get; } = options;

    public ServerMetrics Metrics { get; } = new();

    public ITokenizer? Tokenizer => Model.Tokenizer;

    public int Vocab => Model.Model.Config.VocabSize;

    public int MaxLength => Engine.MaxLength;

    public long Created { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Ids that end generation: EOS from the config/tokenizer plus generation_config.json's eos_token_id(s).</summary>
    public IReadOnlyCollection<int> StopTokens { get; } = StopTokensOf(model);

    /// <summary>Set when shutdown begins: new requests get 503 while in-flight ones finish.</summary>
    public volatile bool Draining;

    private static HashSet<int> StopTokensOf(LoadedModel m)
    {
        var set = new HashSet<int>();
        if (m.EosId is int eos)
        {
            set.Add(eos);
        }
        string gen = Path.Combine(m.Directory, "generation_config.json");
        if (File.Exists(gen))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(gen));
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("eos_token_id", out var e))
                {
                    if (e.TryGetInt32(out int one))
                    {
                        set.Add(one);
                    }
                    else if (e.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var x in e.EnumerateArray())
                        {
                            if (x.TryGetInt32(out int id))
                            {
                                set.Add(id);
                            }
                        }
                    }
                }
            }
            catch (JsonException ex)
            {
                throw new Core.SiftException($"{gen}: invalid JSON: {ex.Message}");
            }
        }
        set.RemoveWhere(id => (uint)id >= (uint)m.Model.Config.VocabSize);
        return set;
    }
}
