using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Data;
using Sift.Pipelines.Synth;
using Sift.Pipelines.Training;
using Sift.Synth;
using Sift.Text;

namespace Sift.Pipelines.Tests.Synth;

public sealed class SynthPipelineTests
{
    internal static SynthPipelineOptions Small(ulong seed = 3) => new()
    {
        Corpus = new SynthOptions { Seed = seed, CleanDocuments = 600, WebChars = 150_000, EvalPerTier = 10 },
        TokenizerVocab = 400,
        TokenizerChars = 200_000,
    };

    [Fact]
    public void Synth_WritesTextTokensAndLabels_AlignedTokenByToken()
    {
        string dir = Directory.CreateTempSubdirectory("sift-synth").FullName;
        var r = new SynthPipeline(Small()).Run(Path.Combine(dir, "s"));
        Assert.True(File.Exists(r.Manifest));
        Assert.Equal(30, ProblemProbe.Load(r.EvalJsonl).Count);
        var tok = TokenizerFactory.Load(r.TokenizerDir!);
        Assert.Equal(400, tok.VocabSize);
        using var ds = TokenDataset.Open(r.WebTokens!);
        using var labels = SideShardReader<byte>.Open(r.WebLabels!, ds); // validates the fingerprint
        ds.Verify();
        labels.Verify();
        var lines = File.ReadAllLines(r.WebJsonl);
        Assert.Equal(lines.Length, ds.DocumentCount);
        var counts = new long[256];
        for (int d = 0; d < lines.Length; d++)
        {
            var o = JsonNode.Parse(lines[d])!;
            string text = o["text"]!.GetValue<string>();
            var charLabel = new byte[text.Length];
            foreach (var s in o["spans"]!.AsArray())
            {
                int a = s![0]!.GetValue<int>(), b = s[1]!.GetValue<int>();
                charLabel.AsSpan(a, b - a).Fill((byte)s[2]!.GetValue<int>());
            }
            var (start, length) = ds.Document(d);
            int len = (int)length;
            var ids = new int[len];
            var lab = new byte[len];
            ds.ReadTokens(start, ids);
            labels.Read(start, lab);
            Assert.Equal(tok.EosId, ids[^1]);
            Assert.Equal((byte)Provenance.Separator, lab[^1]);
            Assert.Equal(text, tok.Decode(ids.AsSpan(0, len - 1)));
            // Independent recomputation of the documented rule: the label of the token's first non-space character.
            int pos = 0;
            for (int i = 0; i < len - 1; i++)
            {
                string piece = tok.Decode([ids[i]]);
                int first = pos;
                while (first < pos + piece.Length - 1 && char.IsWhiteSpace(text[first]))
                {
                    first++;
                }
                if (!char.IsWhiteSpace(text[first]))
                {
                    Assert.Equal(charLabel[first], lab[i]);
                }
                else
                {
                    Assert.Equal(charLabel[pos], lab[i]);
                }
                counts[lab[i]]++;
                pos += piece.Length;
            }
            Assert.Equal(text.Length, pos);
        }
        Assert.True(counts[(int)Provenance.Clean] > 0 && counts[(int)Provenance.Boilerplate] > 0 && counts[(int)Provenance.WrongNumber] > 0);
        var m = JsonNode.Parse(File.ReadAllText(r.Manifest))!;
        Assert.Equal(ds.TotalTokens, m["tokens"]!["web"]!.GetValue<long>());
        Assert.InRange(m["mixed_label_tokens"]!.GetValue<double>(), 0, 0.02);
        Assert.True(m["overlap"]!["max_share"]!.GetValue<double>() <= 0.8);
        // The clean data trains directly: it carries its tokenizer.
        Assert.True(File.Exists(Path.Combine(r.CleanTokens!, "tokenizer.json")));
        using var clean = TokenDataset.Open(r.CleanTokens!);
        Assert.Equal(600, clean.DocumentCount);
    }

    [Fact]
    public void Synth_IsDeterministic_BytesIncluded()
    {
        string dir = Directory.CreateTempSubdirectory("sift-synth").FullName;
        var a = new SynthPipeline(Small(5)).Run(Path.Combine(dir, "a"));
        var b = new SynthPipeline(Small(5) with { Threads = 1 }).Run(Path.Combine(dir, "b"));
        foreach (string rel in new[] { "eval.jsonl", "clean/train.jsonl", "web/train.jsonl", "tokenizer/tokenizer.json", "clean/tokens/shard-00000.bin", "web/tokens/shard-00000.bin", "web/labels/side-00000.bin", "web/labels/side-index.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.Folder, rel)), File.ReadAllBytes(Path.Combine(b.Folder, rel)));
        }
        // Packing with an existing tokenizer gives the same shards as training that tokenizer again.
        var t = new SynthPipeline(Small(5) with { Tokenizer = a.TokenizerDir }).Run(Path.Combine(dir, "t"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.Folder, "web/labels/side-00000.bin")), File.ReadAllBytes(Path.Combine(t.Folder, "web/labels/side-00000.bin")));
        Assert.False(Directory.Exists(Path.Combine(t.Folder, "tokenizer")));
        Assert.False((bool)t.Summary["tokenizer"]!["trained"]!);
        var c = new SynthPipeline(Small(6) with { Pack = false }).Run(Path.Combine(dir, "c"));
        Assert.NotEqual(File.ReadAllBytes(a.WebJsonl), File.ReadAllBytes(c.WebJsonl));
        Assert.Null(c.WebTokens);
        Assert.False(Directory.Exists(Path.Combine(c.Folder, "web", "tokens")));
    }

    [Fact]
    public void Synth_RefusesToOverwrite_AndValidatesOptions()
    {
        string dir = Directory.CreateTempSubdirectory("sift-synth").FullName;
        var opts = Small() with { Pack = false };
        new SynthPipeline(opts).Run(dir);
        Assert.Contains("--overwrite", Assert.Throws<SiftException>(() => new SynthPipeline(opts).Run(dir)).Message);
        new SynthPipeline(opts with { Overwrite = true }).Run(dir);
        Assert.Contains("--vocab-size", Assert.Throws<SiftException>(() => new SynthPipeline(opts with { TokenizerVocab = 100 }).Run(Path.Combine(dir, "x"))).Message);
        Assert.Contains("max_overlap", Assert.Throws<SiftException>(() => new SynthPipeline(opts with { Corpus = opts.Corpus with { MaxOverlap = -1 } }).Run(Path.Combine(dir, "y"))).Message);
        // A threshold below the natural template overlap fails loudly, naming the problem.
        var ex = Assert.Throws<SiftException>(() => new SynthPipeline(opts with { Corpus = opts.Corpus with { MaxOverlap = 0.01 } }).Run(Path.Combine(dir, "z")));
        Assert.Contains("contamination check failed", ex.Message);
        Assert.False(File.Exists(Path.Combine(dir, "z", SynthPipeline.ManifestName)));
    }

    [Fact]
    public void TokenLabeler_LabelsByFirstContentCharacter_AndRefusesMisalignedTokenizers()
    {
        var labeler = new TokenLabeler(new ByteTokenizer());
        var spans = new List<LabelSpan> { new(0, 4, Provenance.Clean), new(4, 6, Provenance.WrongNumber), new(6, 8, Provenance.Clean) };
        var (ids, labels) = labeler.Label("a = 45 b", spans, "t");
        Assert.Equal(8, ids.Length);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 6, 6, 0, 0 }, labels);
        Assert.Throws<SiftException>(() => labeler.Label("a = 45 b", [new LabelSpan(0, 5, Provenance.Clean)], "t"));
        // A tokenizer whose tokens do not decode to the text is refused rather than mislabelled.
        Assert.Contains("byte-level", Assert.Throws<SiftException>(() => new TokenLabeler(new ByteTokenizer()).Label("caf\u00e9", [new LabelSpan(0, 4, Provenance.Clean)], "t")).Message);
    }
}
