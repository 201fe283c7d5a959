using Sift.Text.Bpe;

namespace Sift.Text.Tests;

public sealed class TrainerTests
{
    private static readonly BpeTrainerOptions s_everyPair = new() { MinPairCount = 1 };

    [Fact]
    public void Toy_corpus_merges_by_count_then_smallest_pair()
    {
        var t = BpeTrainer.Train(["aaab"], 256 + 1 + 3, ["<|endoftext|>"], s_everyPair);
        // (a,a) occurs twice -> "aa" first; the word becomes [aa, a, b]; (aa,a) and (a,b) tie at 1 and
        // "a" < "aa" so (a,b) -> "ab"; finally (aa,ab) -> "aaab".
        Assert.Equal(3, t.MergeCount);
        Assert.Equal("aa", t.IdToToken(257));
        Assert.Equal("ab", t.IdToToken(258));
        Assert.Equal("aaab", t.IdToToken(259));
        Assert.Contains("\"a a\"", t.ToJson());
        Assert.Equal([259], t.Encode("aaab"));
        Assert.Equal([257, 1 + 'b'], t.Encode("aab"));
        Assert.Equal([259, 1 + ' ', 259], t.Encode("aaab aaab"));
    }

    [Fact]
    public void Specials_come_first_with_fixed_ids_then_bytes()
    {
        var small = BpeTrainer.Train(Fixtures.SmallCorpus(), 300, ["<|endoftext|>", "<|pad|>"]);
        var large = BpeTrainer.Train(Fixtures.SmallCorpus(), 400, ["<|endoftext|>", "<|pad|>"]);
        foreach (var t in new[] { small, large })
        {
            Assert.Equal(0, t.EosId);
            Assert.Equal(0, t.BosId);
            Assert.Equal("<|pad|>", t.IdToToken(1));
            Assert.Equal("Ġ", t.IdToToken(2 + ' '));
            Assert.Equal([0], t.Encode("<|endoftext|>", allowSpecial: true));
        }
        Assert.Equal(300, small.VocabSize);
        Assert.Equal(400, large.VocabSize);
        // The smaller vocab's merges are a prefix of the larger one's.
        for (int id = 0; id < 300; id++)
        {
            Assert.Equal(small.IdToToken(id), large.IdToToken(id));
        }
    }

    [Fact]
    public void Frequent_words_become_single_tokens_and_specials_in_text_are_not_learned()
    {
        var texts = Enumerable.Repeat("the cat<|endoftext|>the hat ", 50);
        var t = BpeTrainer.Train(texts, 256 + 1 + 8, ["<|endoftext|>"]);
        Assert.Single(t.Encode(" hat"));
        Assert.Single(t.Encode("the"));
        Assert.DoesNotContain(Enumerable.Range(0, t.VocabSize), id => t.IdToToken(id).Contains("endof", StringComparison.Ordinal) && id != 0);
    }

    [Fact]
    public void Training_is_deterministic_to_the_byte()
    {
        var a = BpeTrainer.Train(Fixtures.SmallCorpus(), 600, ["<|endoftext|>"]);
        var b = BpeTrainer.Train(Fixtures.SmallCorpus().ToList(), 600, ["<|endoftext|>"]);
        Assert.Equal(a.ToJson(), b.ToJson());
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.Matches("^[0-9a-f]{64}$", a.Fingerprint);
    }

    [Fact]
    public void Training_stops_when_pairs_run_out()
    {
        var t = BpeTrainer.Train(["ab"], 1000, [], s_everyPair);
        Assert.Equal(257, t.VocabSize);
        Assert.Equal([256], t.Encode("ab"));
        Assert.Null(t.EosId);
    }

    [Fact]
    public void Llama3_pattern_is_saved_as_a_split_and_reloads()
    {
        var t = BpeTrainer.Train(Fixtures.SmallCorpus(), 500, ["<|endoftext|>"], new BpeTrainerOptions { Pattern = PreTokenizerPatterns.Llama3 });
        string json = t.ToJson();
        Assert.Contains("\"Split\"", json);
        var loaded = HfTokenizer.FromJson(json);
        string text = "In 2024, 12345 apples cost $3.50.\r\n";
        Assert.Equal(t.Encode(text), loaded.Encode(text));
        Assert.Equal(text, loaded.Decode(loaded.Encode(text)));
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(["x"], 200, []));
        Assert.Throws<ArgumentException>(() => BpeTrainer.Train(["x"], 300, ["<a>", "<a>"]));
    }
}
