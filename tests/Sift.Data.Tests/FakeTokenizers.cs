using System.Text;
using Sift.Text;

namespace Sift.Data.Tests;

/// <summary>Test-only tokenizer: one UTF-8 byte = one token (ids 0..255), EOS = 256 when enabled.</summary>
internal sealed class ByteTokenizer(bool withEos = true) : ITokenizer
{
    public int VocabSize => 257;

    public int? BosId => null;

    public int? EosId => withEos ? 256 : null;

    public string Fingerprint => withEos ? "fake-byte-tokenizer-v1" : "fake-byte-tokenizer-noeos-v1";

    public int[] Encode(string text, bool allowSpecial = false)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            ids[i] = bytes[i];
        }
        return ids;
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new byte[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            bytes[i] = (byte)ids[i];
        }
        return Encoding.UTF8.GetString(bytes);
    }

    public string IdToToken(int id) => id == 256 ? "<eos>" : ((char)id).ToString();
}

/// <summary>Test-only tokenizer with a 70,000-id vocabulary (forces uint32): byte b → b·270 + 3, EOS = 69,999.</summary>
internal sealed class WideTokenizer : ITokenizer
{
    public int VocabSize => 70_000;

    public int? BosId => null;

    public int? EosId => 69_999;

    public string Fingerprint => "fake-wide-tokenizer-v1";

    public int[] Encode(string text, bool allowSpecial = false) =>
        Encoding.UTF8.GetBytes(text).Select(b => (b * 270) + 3).ToArray();

    public string Decode(ReadOnlySpan<int> ids) => throw new NotSupportedException();

    public string IdToToken(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
