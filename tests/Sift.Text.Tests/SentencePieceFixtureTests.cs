using System.Text.Json.Nodes;
using Sift.Core;

namespace Sift.Text.Tests;

public sealed class SentencePieceFixtureTests
{
    private static readonly HfTokenizer s_llama = HfTokenizer.FromJson(Fixtures.Llama2Json());

    [Fact]
    public void Hello_world_gives_llama2_ids()
    {
        Assert.False(s_llama.IsByteLevel);
        Assert.Equal([15043, 3186], s_llama.Encode("Hello world"));
        Assert.Equal("Hello world", s_llama.Decode([15043, 3186]));
        Assert.Equal("▁Hello", s_llama.IdToToken(15043));
    }

    [Fact]
    public void Bos_comes_from_the_template_and_is_not_added_by_encode()
    {
        Assert.True(s_llama.AddsBos);
        Assert.False(s_llama.AddsEos);
        Assert.Equal(1, s_llama.BosId);
        Assert.Equal(2, s_llama.EosId);
        Assert.Equal("<s> Hello", s_llama.Decode([1, 15043])); // HF decodes BOS this way too
    }

    [Fact]
    public void Newline_and_emoji_use_byte_fallback()
    {
        Assert.Equal([29871, 13], s_llama.Encode("\n"));
        // U+1F600 is F0 9F 98 80; byte tokens are 3 + byte.
        Assert.Equal([29871, 243, 162, 155, 131], s_llama.Encode("😀"));
        Assert.Equal("😀", s_llama.Decode([29871, 243, 162, 155, 131]));
        Assert.Equal("<0x0A>", s_llama.IdToToken(13));
    }

    [Fact]
    public void Leading_and_repeated_spaces_round_trip_with_prepend_normalizer()
    {
        Assert.Equal([29871, 15043], s_llama.Encode(" Hello"));
        Assert.Equal(" Hello", s_llama.Decode(s_llama.Encode(" Hello")));
        Assert.Equal([15043, 29871, 3186], s_llama.Encode("Hello  world"));
        Assert.Equal("Hello  world ", s_llama.Decode(s_llama.Encode("Hello  world ")));
        Assert.Empty(s_llama.Encode(""));
    }

    [Fact]
    public void Special_tokens_match_only_when_allowed_and_text_after_them_gets_a_marker()
    {
        Assert.Equal([1, 15043], s_llama.Encode("<s>Hello", allowSpecial: true));
        int[] plain = s_llama.Encode("<s>Hello");
        Assert.DoesNotContain(1, plain);
        Assert.Equal("<s>Hello", s_llama.Decode(plain));
    }

    [Fact]
    public void Metaspace_first_scheme_prepends_once_and_strips_on_decode()
    {
        var t = HfTokenizer.FromJson(Fixtures.Llama2Json(metaspace: true));
        Assert.Equal([15043, 3186], t.Encode("Hello world"));
        Assert.Equal([15043], t.Encode(" Hello")); // already starts with the marker: nothing prepended (HF)
        Assert.Equal("Hello", t.Decode(t.Encode(" Hello")));
        // "first": only the segment at the start of the text gets the marker, so "Hello" after <s> is "H" + "ello".
        Assert.Equal([1, 259, 269], t.Encode("<s>Hello", allowSpecial: true));
    }

    [Fact]
    public void Without_byte_fallback_unknown_chars_fuse_into_one_unk()
    {
        var root = JsonNode.Parse(Fixtures.Llama2Json())!;
        root["model"]!["byte_fallback"] = false;
        var t = HfTokenizer.FromJson(root.ToJsonString());
        Assert.Equal([15043, 29871, 0], t.Encode("Hello 😀😀é"));
    }

    [Fact]
    public void Merges_in_pair_form_load_the_same()
    {
        var root = JsonNode.Parse(Fixtures.Llama2Json())!;
        var merges = root["model"]!["merges"]!.AsArray();
        var pairs = new JsonArray();
        foreach (var m in merges)
        {
            string[] parts = m!.GetValue<string>().Split(' ');
            pairs.Add(new JsonArray(parts[0], parts[1]));
        }
        root["model"]!["merges"] = pairs;
        var t = HfTokenizer.FromJson(root.ToJsonString());
        Assert.Equal([15043, 3186], t.Encode("Hello world"));
        Assert.Equal(s_llama.Fingerprint, t.Fingerprint); // canonical form writes "a b" strings either way
    }

    [Fact]
    public void Config_sets_bos_eos_and_chat_template()
    {
        string config = """{"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "chat_template": "{{ messages }}"}""";
        var t = HfTokenizer.FromJson(Fixtures.Llama2Json(), configJson: config);
        Assert.Equal(1, t.BosId);
        Assert.Equal(2, t.EosId);
        Assert.Equal("{{ messages }}", t.ChatTemplate);

        var noBos = HfTokenizer.FromJson(Fixtures.Llama2Json(), configJson: """{"bos_token": null, "eos_token": "</s>"}""");
        Assert.Null(noBos.BosId);
        Assert.Equal(2, noBos.EosId);
    }

    [Fact]
    public void Bad_config_names_the_field()
    {
        var e = Assert.Throws<SiftException>(() => HfTokenizer.FromJson(Fixtures.Llama2Json(), configJson: """{"eos_token": 5}"""));
        Assert.Contains("eos_token", e.Message);
    }
}
