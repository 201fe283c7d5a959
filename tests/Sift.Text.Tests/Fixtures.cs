using System.Text.Json.Nodes;
using Sift.Text.Bpe;

namespace Sift.Text.Tests;

/// <summary>Hand-written tokenizer.json fixtures in the two HF styles Sift supports.</summary>
internal static class Fixtures
{
    /// <summary>
    /// GPT-2 style: the 256 byte tokens in GPT-2's real id order (printable bytes first, then the rest, so
    /// "!" = 0, "Ġ" = 220, "Ċ" = 198 as in GPT-2), then a few hand-picked merges that spell "Hello" and " world".
    /// </summary>
    public static string Gpt2Json(bool llama3Split = false, bool ignoreMerges = false)
    {
        var vocab = new JsonObject();
        int id = 0;
        var order = Enumerable.Range(0, 256).Where(IsPrintable).Concat(Enumerable.Range(0, 256).Where(b => !IsPrintable(b)));
        foreach (int b in order)
        {
            vocab[ByteLevelAlphabet.ByteToChar((byte)b).ToString()] = id++;
        }
        string[] merged = ["He", "Hel", "Hell", "Hello", "Ġw", "Ġwo", "rl", "Ġworl", "Ġworld"];
        foreach (string t in merged)
        {
            vocab[t] = id++; // 256 .. 264
        }
        if (ignoreMerges)
        {
            vocab["Ġmath"] = id++; // 265: reachable only through ignore_merges (no merge builds it)
        }
        var merges = new JsonArray("H e", "He l", "Hel l", "Hell o", "Ġ w", "Ġw o", "r l", "Ġwo rl", "Ġworl d");
        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = !llama3Split };
        JsonNode pre = llama3Split
            ? new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = PreTokenizerPatterns.Llama3 }, ["behavior"] = "Isolated", ["invert"] = false },
                    byteLevel),
            }
            : byteLevel;
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject
            {
                ["id"] = 300,
                ["content"] = "<|endoftext|>",
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = pre,
            ["post_processor"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = ignoreMerges,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
        return root.ToJsonString();
    }

    /// <summary>GPT-2 id of a single byte in <see cref="Gpt2Json"/>.</summary>
    public static int Gpt2ByteId(byte b)
    {
        int printableBefore = Enumerable.Range(0, b).Count(IsPrintable);
        return IsPrintable(b) ? printableBefore : 188 + (b - printableBefore);
    }

    /// <summary>
    /// Llama 2 style (SentencePiece BPE converted by HF): &lt;unk&gt;=0, &lt;s&gt;=1, &lt;/s&gt;=2, &lt;0x00&gt;..&lt;0xFF&gt; = 3..258
    /// (so "\n" is 13 as in Llama 2), "▁" = 29871, "▁Hello" = 15043, "▁world" = 3186 (Llama 2's real ids),
    /// characters and intermediate pieces at made-up ids 259.., and merges that build the two words.
    /// </summary>
    public static string Llama2Json(bool metaspace = false)
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int b = 0; b < 256; b++)
        {
            vocab[$"<0x{b:X2}>"] = 3 + b;
        }
        int id = 259;
        foreach (string t in new[] { "H", "e", "l", "o", "w", "r", "d", "▁H", "lo", "llo", "ello", "▁w", "or", "ld", "orld" })
        {
            vocab[t] = id++;
        }
        vocab["▁Hello"] = 15043;
        vocab["▁world"] = 3186;
        vocab["▁"] = 29871;
        var merges = new JsonArray("▁ H", "l o", "l lo", "e llo", "▁H ello", "▁ w", "o r", "l d", "or ld", "▁w orld");
        var added = new JsonArray();
        foreach (var (tid, content) in new[] { (0, "<unk>"), (1, "<s>"), (2, "</s>") })
        {
            added.Add(new JsonObject
            {
                ["id"] = tid,
                ["content"] = content,
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        }
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = metaspace
                ? null
                : new JsonObject
                {
                    ["type"] = "Sequence",
                    ["normalizers"] = new JsonArray(
                        new JsonObject { ["type"] = "Prepend", ["prepend"] = "▁" },
                        new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" }),
                },
            ["pre_tokenizer"] = metaspace
                ? new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = false }
                : null,
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                ["special_tokens"] = new JsonObject { ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(1), ["tokens"] = new JsonArray("<s>") } },
            },
            ["decoder"] = metaspace
                ? new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = false }
                : new JsonObject
                {
                    ["type"] = "Sequence",
                    ["decoders"] = new JsonArray(
                        new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "▁" }, ["content"] = " " },
                        new JsonObject { ["type"] = "ByteFallback" },
                        new JsonObject { ["type"] = "Fuse" },
                        new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }),
                },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = "<unk>",
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
        return root.ToJsonString();
    }

    /// <summary>A few kilobytes of English-ish and math text for training in tests.</summary>
    public static IEnumerable<string> SmallCorpus()
    {
        string[] lines =
        [
            "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away.",
            "Let x = 3 and y = 4. Then x^2 + y^2 = 25, so the hypotenuse is 5.",
            "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.",
            "How many clips did Natalia sell altogether in April and May? The answer is 72.",
            "We compute \\frac{1}{2} + \\frac{1}{3} = \\frac{5}{6}. Therefore the sum is \\boxed{\\frac{5}{6}}.",
            "It's what they've said: we'll see, I'm sure, they'd know.\n\n  Indented line\twith a tab.",
        ];
        for (int i = 0; i < 40; i++)
        {
            foreach (string l in lines)
            {
                yield return i % 2 == 0 ? l : l.ToUpperInvariant();
            }
        }
    }

    private static bool IsPrintable(int b) => (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}
