using System.Text.Json.Nodes;
using Sift.Data;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Inference;
using Sift.Engine.Kernels.Gemm;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Tests.Training;

/// <summary>
/// The whole path works end to end: a tiny model trained by `sift train`'s run loop on a small corpus drives its
/// loss to near zero, and greedy decoding of the saved model folder, through the KV cache, writes the corpus
/// back from a short prompt.
/// </summary>
public sealed class OverfitTests
{
    private const string Text = "Janet has 3 apples and buys 4 more, so she has 7 apples. ";

    [Fact]
    public void TinyModel_MemorisesACorpus_AndGeneratesItBack()
    {
        string dir = Directory.CreateTempSubdirectory("sift-overfit").FullName;
        string input = Path.Combine(dir, "corpus.jsonl");
        // One 57-byte sentence as 40 documents: the stream is "sentence EOS sentence EOS ...", so 58-token
        // windows each hold exactly one document and every target is determined by its prefix.
        File.WriteAllLines(input, Enumerable.Repeat(new JsonObject { ["text"] = Text }.ToJsonString(), 40));
        string data = Path.Combine(dir, "data");
        new ShardPacker(new ByteTokenizer(), new PackOptions { Threads = 1 }).Pack([input], data);

        var recipe = TrainRecipe.Load(null,
        [
            $"data.train={data}", $"out_dir={Path.Combine(dir, "run")}", "model.preset=tiny", "model.hidden_size=64",
            "model.intermediate_size=128", "model.num_hidden_layers=2", "model.num_attention_heads=2",
            "model.num_key_value_heads=1", "train.seq_len=58", "train.micro_batch=8", "train.max_steps=100",
            "train.threads=2", "optim.lr=0.01", "optim.min_lr=0.001", "optim.warmup_steps=10", "optim.weight_decay=0",
            "data.holdout_every=0", "eval.interval=0", "checkpoint.interval=0", "log.interval=10",
        ]);
        var summary = new TrainingRun(recipe).Execute(resume: false);
        Assert.True(summary.FinalLoss < 0.02, $"final training loss {summary.FinalLoss}: the model did not memorise the corpus");

        using var model = HfModelFolder.Load(summary.ModelDir);
        var tok = new ByteTokenizer();
        int[] prompt = tok.Encode(Text[..6]);
        using var generator = new Generator(model, new Compute(GemmFactory.Create("auto", 2), 2), maxBatch: 1, maxLength: 58);
        var result = generator.Generate([new GenerationRequest(prompt, Text.Length - 6, new SamplingOptions(), Seed: 1, StopTokens: [tok.EosId!.Value])])[0];
        Assert.Equal(Text[6..], tok.Decode(result.Tokens));
    }
}
