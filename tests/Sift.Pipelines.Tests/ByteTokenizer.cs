using System.Text;
using Sift.Text;

namespace Sift.Pipelines.Tests;

/// <summary>Test double: one UTF-8 byte = one token, EOS = 256.</summary>
internal sealed class ByteTokenizer : ITokenizer
{
    public int VocabSize => 257;

    public int? BosId => null;

    public int? EosId => 256;

    public string Fingerprint => "byte-tokenizer-v1";

    public int[] Encode(string text, bool allowSpecial = false) => Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();

    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if ((uint)id >= 257)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"id {id} outside 0..256");
            }
            if (id < 256)
            {
                bytes.Add((byte)id);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public string IdToToken(int id) => id == 256 ? "<eos>" : ((char)id).ToString();
}
