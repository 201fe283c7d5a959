using Sift.Core;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.Inference;
using Sift.Text.Bpe;

namespace Sift.Inference.Tests;

/// <summary>What the generator does with prompts near the end of the context, and with special-token strings.</summary>
public sealed class TextGeneratorContextTests : IDisposable
{
    private const int Context = 24;
    private readonly string _dir = Directory.CreateTempSubdirectory("sift-textgen").FullName;
    private readonly LoadedModel _model;

    public TextGeneratorContextTests()
    {
        var texts = Enumerable.Range(0, 40).Select(i => $"What is {i} plus {i}? It is {2 * i}.").ToList();
        var tok = BpeTrainer.Train(texts, 280, ["<|endoftext|>"]);
        tok.SaveDirectory(_dir);
        var cfg = new LlamaConfig
        {
            VocabSize = tok.VocabSize,
            HiddenSize = 16,
            IntermediateSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 2,
            HeadDim = 8,
            MaxPositionEmbeddings = Context,
            TieWordEmbeddings = true,
        };
        using (var m = new LlamaModel(cfg))
        {
            m.InitRandom(3, std: 0.3f);
            HfModelFolder.Save(m, _dir);
        }
        _model = LoadedModel.Open(_dir, threads: 1, gemm: "managed");
    }

    public void Dispose()
    {
        _model.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static TextPrompt Ids(int count, int maxTokens, bool fit) => new()
    {
        Tokens = Enumerable.Range(0, count).Select(i => 40 + i).ToArray(),
        MaxTokens = maxTokens,
        FitToContext = fit,
    };

    [Fact]
    public void WithoutFitToContext_AnOverlongRequestIsAnErrorNamingTheContext()
    {
        var ex = Assert.Throws<SiftException>(() => new TextGenerator(_model).Complete([Ids(20, 10, fit: false)]));
        Assert.Contains($"context of {Context}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitToContext_StopsAtTheContext_AndGivesPromptsThatDoNotFitAnEmptyCompletion()
    {
        var prompts = new[] { Ids(20, 10, fit: true), Ids(Context, 5, fit: true), Ids(6, 4, fit: true) };
        var seen = new List<int>();
        var results = new TextGenerator(_model).Complete(prompts, (i, _) => seen.Add(i));

        // 20 prompt tokens leave room for 4 of the 10 asked for; random weights never emit EOS (the config has none).
        Assert.Equal(Context - 20, results[0].Tokens.Length);
        Assert.Equal("length", results[0].FinishReason);
        Assert.Equal((TextGenerator.PromptTooLong, 0, Context), (results[1].FinishReason, results[1].Tokens.Length, results[1].PromptTokens));
        Assert.Equal(4, results[2].Tokens.Length);
        Assert.Equal([0, 1, 2], seen.Order());

        // Fitting changes nothing for a request that fits: the same tokens as a plain request.
        var plain = new TextGenerator(_model).Complete([Ids(6, 4, fit: false)]);
        Assert.Equal(plain[0].Tokens, results[2].Tokens);
    }

    [Fact]
    public void SpecialTokenStrings_AreReadAsSpecialTokensOnlyWhenAllowed()
    {
        const string text = "What is 1 plus 1?<|endoftext|>";
        var tok = _model.Tokenizer!;
        int eos = tok.EosId!.Value;
        var asText = new TextGenerator(_model).Complete([new TextPrompt { Text = text, MaxTokens = 1 }]);
        var asSpecial = new TextGenerator(_model).Complete([new TextPrompt { Text = text, MaxTokens = 1, AllowSpecialTokens = true }]);
        int bos = _model.BosId is null ? 0 : 1; // text prompts get BOS when the model has one
        Assert.Equal(bos + tok.Encode(text).Length, asText[0].PromptTokens);
        Assert.Equal(bos + tok.Encode(text, allowSpecial: true).Length, asSpecial[0].PromptTokens);
        Assert.DoesNotContain(eos, tok.Encode(text));
        Assert.Equal(eos, tok.Encode(text, allowSpecial: true)[^1]);
    }
}
