using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sift.Text.Hf;

/// <summary>
/// Writes the canonical tokenizer.json of a definition: fixed key order, vocab sorted by id, merges as
/// "left right" strings (pairs when a token contains a space), two-space indent, no BOM. The same
/// definition always gives the same bytes, so their SHA-256 is the tokenizer's fingerprint.
/// </summary>
internal static class HfJsonWriter
{
    public static byte[] Write(TokenizerDefinition def)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            foreach (var t in def.AddedTokens.OrderBy(t => t.Id))
            {
                w.WriteStartObject();
                w.WriteNumber("id", t.Id);
                w.WriteString("content", t.Content);
                w.WriteBoolean("single_word", t.SingleWord);
                w.WriteBoolean("lstrip", t.LStrip);
                w.WriteBoolean("rstrip", t.RStrip);
                w.WriteBoolean("normalized", t.Normalized);
                w.WriteBoolean("special", t.Special);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteNode(w, "normalizer", def.Normalizer);
            WriteNode(w, "pre_tokenizer", def.PreTokenizer);
            WriteNode(w, "post_processor", def.PostProcessor);
            WriteNode(w, "decoder", def.Decoder);

            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout");
            if (def.UnkToken is null)
            {
                w.WriteNull("unk_token");
            }
            else
            {
                w.WriteString("unk_token", def.UnkToken);
            }
            w.WriteNull("continuing_subword_prefix");
            w.WriteNull("end_of_word_suffix");
            w.WriteBoolean("fuse_unk", def.FuseUnk);
            w.WriteBoolean("byte_fallback", def.ByteFallback);
            w.WriteBoolean("ignore_merges", def.IgnoreMerges);
            w.WriteStartObject("vocab");
            foreach (var (token, id) in def.Vocab.OrderBy(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(token, id);
            }
            w.WriteEndObject();
            bool pairs = def.Merges.Any(m => m.Left.Contains(' ') || m.Right.Contains(' '));
            w.WriteStartArray("merges");
            foreach (var (left, right) in def.Merges)
            {
                if (pairs)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(left);
                    w.WriteStringValue(right);
                    w.WriteEndArray();
                }
                else
                {
                    w.WriteStringValue(left + " " + right);
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    private static void WriteNode(Utf8JsonWriter w, string name, System.Text.Json.Nodes.JsonNode? node)
    {
        w.WritePropertyName(name);
        if (node is null)
        {
            w.WriteNullValue();
        }
        else
        {
            node.WriteTo(w);
        }
    }
}
