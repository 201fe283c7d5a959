using Sift.Core;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Inference;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Text;

namespace Sift.Inference;

/// <summary>A model folder loaded for inference: weights, optional tokenizer, and the compute to run on.</summary>
public sealed class LoadedModel : IDecoderModel
{
    private LoadedModel(string dir, LlamaModel model, ITokenizer? tokenizer, Compute compute)
    {
        Directory = dir;
        Model = model;
        Tokenizer = tokenizer;
        Compute = compute;
    }

    /// <summary>The model folder.</summary>
    public string Directory { get; }

    /// <summary>The weights.</summary>
    public LlamaModel Model { get; }

    /// <summary>The tokenizer, when the folder has tokenizer.json (token-id input works without one).</summary>
    public ITokenizer? Tokenizer { get; }

    /// <summary>Kernels to use.</summary>
    public Compute Compute { get; }

    /// <inheritdoc />
    public string Source => Directory;

    /// <inheritdoc />
    public int VocabSize => Model.Config.VocabSize;

    /// <inheritdoc />
    public long ParameterCount => Model.Config.ParameterCount;

    /// <inheritdoc />
    public int ContextLength => Model.Config.MaxPositionEmbeddings;

    /// <inheritdoc />
    public (string Template, string Source)? ChatTemplate =>
        Tokenizer is HfTokenizer { ChatTemplate: { Length: > 0 } t } ? (t, "the model's chat_template (tokenizer_config.json)") : null;

    /// <inheritdoc />
    public IReadOnlyCollection<int> StopIds => _stopIds ??= GenerationConfig.StopIds(Directory, EosId, Model.Config.VocabSize);

    private IReadOnlyCollection<int>? _stopIds;

    /// <inheritdoc />
    public IDecodeSession OpenSession(int maxSequences, int maxLength)
    {
        Model.Config.RequireCausalLm("generation");
        return new InferenceSession(Model, maxSequences, maxLength, Compute, maxRows: Math.Max(maxSequences, 128));
    }

    /// <summary>The tokenizer, or a clear error saying that text needs one.</summary>
    public ITokenizer RequireTokenizer(string what) => Tokenizer
        ?? throw new SiftException($"{Directory}: no tokenizer.json, so {what} must be given as token ids");

    /// <summary>Id to add before text input: the config's bos_token_id, else the tokenizer's BOS, else none.</summary>
    public int? BosId => Model.Config.BosTokenId ?? Tokenizer?.BosId;

    /// <summary>End-of-sequence id: the config's eos_token_id, else the tokenizer's.</summary>
    public int? EosId => Model.Config.EosTokenId ?? Tokenizer?.EosId;

    /// <summary>
    /// Loads a Hugging Face model folder (config.json + safetensors [+ tokenizer.json]) with its weights resident in
    /// <paramref name="weights"/> (bf16/f16 halve the memory; inference only).
    /// </summary>
    public static LoadedModel Open(string dir, int threads = 2, string gemm = "auto", WeightFormat weights = WeightFormat.F32)
    {
        var model = HfModelFolder.Load(dir, weights);
        try
        {
            ITokenizer? tok = File.Exists(Path.Combine(dir, "tokenizer.json")) ? TokenizerFactory.Load(dir) : null;
            if (tok is not null && tok.VocabSize > model.Config.VocabSize)
            {
                throw new SiftException($"{dir}: tokenizer.json has {tok.VocabSize} ids but config.json vocab_size is {model.Config.VocabSize}");
            }
            return new LoadedModel(dir, model, tok, new Compute(GemmFactory.Create(gemm, threads), threads));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
