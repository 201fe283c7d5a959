using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Sift.Core;
using Sift.Core.IO;
using Sift.Text.Bpe;
using Sift.Text.Hf;

namespace Sift.Text;

/// <summary>
/// A BPE tokenizer with HF tokenizer.json semantics: byte-level (GPT-2, Llama 3, Qwen2, and Sift's own
/// trained tokenizers) or SentencePiece-style with byte fallback (Llama 2, TinyLlama, Mistral).
/// <see cref="Encode"/> never adds BOS/EOS: callers add <see cref="BosId"/> when <see cref="AddsBos"/> says the
/// model expects it. Thread-safe: one instance may encode from many threads.
/// </summary>
/// <remarks>
/// Round trip: byte-level tokenizers without a normalizer give Decode(Encode(s)) == s for every valid string.
/// SentencePiece-style ones with a Prepend("▁") normalizer and a full byte fallback round-trip too when no
/// special token is matched (HF prepends "▁" again after each matched added token, which decodes as an extra
/// space); with a Metaspace pre-tokenizer a text that starts with a space loses that space, as in HF.
/// A Unicode normalizer (Qwen2's NFC) round-trips only already-normalized text; note that with Sift's
/// InvariantGlobalization build setting .NET cannot normalize, so such a step leaves text unchanged
/// (identical to HF for text that is already NFC, which is nearly all text).
/// Text containing the space marker '▁' itself decodes it as ' ' in the SentencePiece style (as HF does).
/// </remarks>
public sealed class HfTokenizer : ITokenizer
{
    private const int CacheCapacity = 1 << 18;

    [ThreadStatic]
    private static List<int>? t_ends;

    [ThreadStatic]
    private static List<AddedTokenSplitter.Segment>? t_segments;

    private readonly TokenizerDefinition _def;
    private readonly HfPipeline _pipe;
    private readonly string[] _idToToken;
    private readonly bool[] _isAdded;
    private readonly byte[][] _tokenBytes;
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabLookup;
    private readonly MergeTable _merges;
    private readonly int[] _byteIds;
    private readonly bool _byteFallbackComplete;
    private readonly int _unkId;
    private readonly Regex? _split;
    private readonly bool _cutBeforeSpaceMarker;
    private readonly WordCache _cache = new(CacheCapacity);
    private readonly AddedTokenSplitter? _nonSpecialSplitter;
    private readonly AddedTokenSplitter? _allSplitter;
    private readonly Dictionary<string, int> _addedByContent;
    private byte[]? _canonicalJson;
    private string? _fingerprint;

    internal HfTokenizer(TokenizerDefinition def, TokenizerConfig? config, string source)
    {
        _def = def;
        _pipe = HfPipeline.Parse(def, source);
        _vocab = def.Vocab;
        _vocabLookup = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();

        int size = 0;
        foreach (int id in def.Vocab.Values)
        {
            size = Math.Max(size, id + 1);
        }
        foreach (var t in def.AddedTokens)
        {
            size = Math.Max(size, t.Id + 1);
        }
        _idToToken = new string[size];
        _isAdded = new bool[size];
        Array.Fill(_idToToken, "");
        foreach (var (token, id) in def.Vocab)
        {
            _idToToken[id] = token;
        }
        _addedByContent = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in def.AddedTokens)
        {
            if (t.Id < 0)
            {
                throw new SiftException($"{source}: field 'added_tokens' has token \"{t.Content}\" with negative id {t.Id}");
            }
            _idToToken[t.Id] = t.Content;
            _isAdded[t.Id] = true;
            _addedByContent.TryAdd(t.Content, t.Id);
        }

        _merges = new MergeTable(def.Merges.Count);
        for (int i = 0; i < def.Merges.Count; i++)
        {
            var (left, right) = def.Merges[i];
            if (!_vocab.TryGetValue(left, out int l) || !_vocab.TryGetValue(right, out int r) || !_vocab.TryGetValue(left + right, out int m))
            {
                throw new SiftException($"{source}: field 'model.merges[{i}]' (\"{left}\" + \"{right}\") uses a token missing from model.vocab");
            }
            _merges.Add(l, r, m);
        }

        _unkId = def.UnkToken is not null && _vocab.TryGetValue(def.UnkToken, out int unk) ? unk : -1;
        _byteIds = new int[256];
        _byteFallbackComplete = true;
        for (int b = 0; b < 256; b++)
        {
            string symbol = _pipe.ByteLevel ? ByteLevelAlphabet.ByteToChar((byte)b).ToString() : $"<0x{b:X2}>";
            _byteIds[b] = _vocab.TryGetValue(symbol, out int id) ? id : -1;
            if (_byteIds[b] < 0)
            {
                if (_pipe.ByteLevel)
                {
                    throw new SiftException($"{source}: field 'model.vocab' lacks the byte-level token \"{symbol}\" for byte 0x{b:X2}; a ByteLevel tokenizer needs all 256");
                }
                _byteFallbackComplete = false;
            }
        }

        _split = _pipe.ByteLevel && _pipe.SplitPattern is { } pattern ? CompileSplit(pattern, source) : null;
        _cutBeforeSpaceMarker = !_pipe.ByteLevel && (_pipe.MetaspaceSplit || !AnyTokenHasMarkerInside(_pipe.SpaceMarker));
        _tokenBytes = BuildTokenBytes();
        _nonSpecialSplitter = AddedTokenSplitter.Create(def.AddedTokens.Where(t => !t.Special));
        _allSplitter = AddedTokenSplitter.Create(def.AddedTokens);

        // BOS/EOS: tokenizer_config.json wins (an explicit null means none); then the post-processor template;
        // then well-known names.
        BosToken = config is { HasBos: true } ? config.BosToken : _pipe.TemplateBos ?? FirstPresent("<s>", "<|begin_of_text|>", "<bos>", "<|endoftext|>");
        EosToken = config is { HasEos: true } ? config.EosToken : _pipe.TemplateEos ?? FirstPresent("</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>");
        BosId = BosToken is null ? null : TokenToId(BosToken);
        EosId = EosToken is null ? null : TokenToId(EosToken);
        AddsBos = _pipe.TemplateBos is not null;
        AddsEos = _pipe.TemplateEos is not null;
        ChatTemplate = config?.ChatTemplate;
    }

    /// <inheritdoc />
    public int VocabSize => _idToToken.Length;

    /// <inheritdoc />
    public int? BosId { get; }

    /// <inheritdoc />
    public int? EosId { get; }

    /// <summary>The BOS token's text, when there is one.</summary>
    public string? BosToken { get; }

    /// <summary>The EOS token's text, when there is one.</summary>
    public string? EosToken { get; }

    /// <summary>True when the HF post-processor adds BOS to every sequence (callers should prepend <see cref="BosId"/>).</summary>
    public bool AddsBos { get; }

    /// <summary>True when the HF post-processor appends EOS to every sequence.</summary>
    public bool AddsEos { get; }

    /// <summary>The Jinja chat template from tokenizer_config.json (not rendered here), or null.</summary>
    public string? ChatTemplate { get; }

    /// <summary>True for byte-level tokenizers (GPT-2 family), false for SentencePiece-style ones.</summary>
    public bool IsByteLevel => _pipe.ByteLevel;

    /// <summary>The added tokens (specials and others), in file order.</summary>
    public IReadOnlyList<AddedToken> AddedTokens => _def.AddedTokens;

    /// <summary>Number of merge rules.</summary>
    public int MergeCount => _def.Merges.Count;

    /// <summary>The merge rules in rank order (what a GGUF export writes as tokenizer.ggml.merges).</summary>
    public IReadOnlyList<(string Left, string Right)> Merges => _def.Merges;

    /// <summary>The model's unk_token, when it has one.</summary>
    public string? UnkToken => _def.UnkToken;

    /// <summary>The byte-level pre-tokenisation regex, or null (SentencePiece style or no split).</summary>
    public string? PreTokenizerPattern => _pipe.SplitPattern;

    /// <inheritdoc />
    public string Fingerprint => _fingerprint ??= Hashing.Sha256Hex(CanonicalJson());

    /// <summary>Loads a HF tokenizer.json, and tokenizer_config.json from the same folder when present.</summary>
    public static HfTokenizer Load(string pathToTokenizerJson)
    {
        if (!File.Exists(pathToTokenizerJson))
        {
            throw new SiftException($"{pathToTokenizerJson}: tokenizer file not found");
        }
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(pathToTokenizerJson)) ?? ".", "tokenizer_config.json");
        string? configJson = File.Exists(configPath) ? File.ReadAllText(configPath) : null;
        return FromJson(File.ReadAllText(pathToTokenizerJson), pathToTokenizerJson, configJson, configPath);
    }

    /// <summary>Builds a tokenizer from tokenizer.json text (and optionally tokenizer_config.json text).</summary>
    public static HfTokenizer FromJson(string tokenizerJson, string sourceName = "tokenizer.json", string? configJson = null,
        string configSourceName = "tokenizer_config.json")
    {
        var def = HfJsonReader.Parse(tokenizerJson, sourceName);
        var config = configJson is null ? null : TokenizerConfig.Parse(configJson, configSourceName);
        return new HfTokenizer(def, config, sourceName);
    }

    /// <summary>The canonical tokenizer.json text (what <see cref="Save"/> writes).</summary>
    public string ToJson() => Encoding.UTF8.GetString(CanonicalJson());

    /// <summary>Writes the canonical tokenizer.json atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, CanonicalJson());

    /// <summary>Writes tokenizer.json and a tokenizer_config.json with the BOS/EOS names (and chat template) into a folder.</summary>
    public void SaveDirectory(string directory)
    {
        Save(Path.Combine(directory, "tokenizer.json"));
        var config = new System.Text.Json.Nodes.JsonObject
        {
            ["bos_token"] = BosToken,
            ["eos_token"] = EosToken,
            ["chat_template"] = ChatTemplate,
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
        };
        AtomicFile.WriteAllText(Path.Combine(directory, "tokenizer_config.json"),
            config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>The id of a token string (model vocab or added token), or null.</summary>
    public int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out int a) ? a : _vocab.TryGetValue(token, out int id) ? id : null;

    /// <inheritdoc />
    public string IdToToken(int id)
    {
        CheckId(id);
        return _idToToken[id];
    }

    /// <inheritdoc />
    public int[] Encode(string text, bool allowSpecial = false)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        EncodeTo(text, ids, allowSpecial);
        return ids.ToArray();
    }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="ids"/> (no BOS/EOS).</summary>
    public void EncodeTo(string text, List<int> ids, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var splitter = allowSpecial ? _allSplitter : _nonSpecialSplitter;
        if (splitter is null)
        {
            EncodeSegment(text, 0, text.Length, ids);
            return;
        }
        var segments = t_segments ??= [];
        splitter.Split(text, segments);
        foreach (var seg in segments)
        {
            if (seg.TokenId >= 0)
            {
                ids.Add(seg.TokenId);
            }
            else
            {
                EncodeSegment(text, seg.Start, seg.End, ids);
            }
        }
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids)
    {
        int total = 0;
        foreach (int id in ids)
        {
            CheckId(id);
            total += _tokenBytes[id].Length;
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        try
        {
            int pos = 0;
            foreach (int id in ids)
            {
                byte[] b = _tokenBytes[id];
                b.CopyTo(rented, pos);
                pos += b.Length;
            }
            int start = 0;
            while (start < _pipe.DecoderStripLeft && start < pos && rented[start] == (byte)' ')
            {
                start++;
            }
            return Encoding.UTF8.GetString(rented, start, pos - start);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void CheckId(int id)
    {
        if ((uint)id >= (uint)_idToToken.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary (size {_idToToken.Length})");
        }
    }

    private void EncodeSegment(string text, int start, int end, List<int> ids)
    {
        if (start >= end)
        {
            return;
        }
        if (_pipe.ByteLevel)
        {
            ReadOnlySpan<char> s = text.AsSpan(start, end - start);
            if (_pipe.Normalizers.Count > 0 || _pipe.AddPrefixSpace)
            {
                string owned = _pipe.Normalize(s.ToString());
                if (_pipe.AddPrefixSpace && owned.Length > 0 && owned[0] != ' ')
                {
                    owned = " " + owned;
                }
                s = owned;
            }
            EncodeByteLevel(s, ids);
        }
        else
        {
            EncodeSentencePiece(text.Substring(start, end - start), isFirst: start == 0, ids);
        }
    }

    // ---- byte-level ---------------------------------------------------------------------------------

    private void EncodeByteLevel(ReadOnlySpan<char> s, List<int> ids)
    {
        if (_split is null)
        {
            EncodeWord(s, ids);
            return;
        }
        var ends = t_ends ??= [];
        PreTokenSplitter.Split(_split, s, ends);
        int p = 0;
        foreach (int e in ends)
        {
            EncodeWord(s[p..e], ids);
            p = e;
        }
    }

    private void EncodeWord(ReadOnlySpan<char> word, List<int> ids)
    {
        if (!_cache.TryGet(word, out int[] cached))
        {
            cached = _pipe.ByteLevel ? ComputeByteLevelWord(word) : ComputeSentencePieceWord(word);
            _cache.Add(word, cached);
        }
        ids.AddRange(cached);
    }

    private int[] ComputeByteLevelWord(ReadOnlySpan<char> word)
    {
        int max = Encoding.UTF8.GetMaxByteCount(word.Length);
        byte[]? rented = max > 256 ? ArrayPool<byte>.Shared.Rent(max) : null;
        Span<byte> bytes = rented ?? stackalloc byte[256];
        try
        {
            int nb = Encoding.UTF8.GetBytes(word, bytes);
            if (_def.IgnoreMerges && _vocab.TryGetValue(ByteLevelAlphabet.BytesToString(bytes[..nb]), out int whole))
            {
                return [whole];
            }
            var symbols = new int[nb];
            for (int i = 0; i < nb; i++)
            {
                symbols[i] = _byteIds[bytes[i]];
            }
            int n = BpeMerger.Merge(symbols, _merges);
            return n == nb ? symbols : symbols[..n];
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // ---- SentencePiece-style ------------------------------------------------------------------------

    private void EncodeSentencePiece(string segment, bool isFirst, List<int> ids)
    {
        string s = _pipe.Normalize(segment);
        if (_pipe.Metaspace is char marker)
        {
            s = s.Replace(' ', marker);
            bool prepend = _pipe.MetaspacePrepend == PrependScheme.Always || (_pipe.MetaspacePrepend == PrependScheme.First && isFirst);
            if (prepend && s.Length > 0 && s[0] != marker)
            {
                s = marker + s;
            }
        }
        if (!_cutBeforeSpaceMarker)
        {
            EncodeWord(s, ids);
            return;
        }
        // Cut before each marker that follows a non-marker (or before every marker with Metaspace split):
        // no vocab token spans such a cut, so the pieces merge exactly as the whole would, and they cache well.
        char space = _pipe.SpaceMarker;
        bool everyMarker = _pipe.MetaspaceSplit;
        int start = 0;
        for (int i = 1; i < s.Length; i++)
        {
            if (s[i] == space && (everyMarker || s[i - 1] != space))
            {
                EncodeWord(s.AsSpan(start, i - start), ids);
                start = i;
            }
        }
        EncodeWord(s.AsSpan(start), ids);
    }

    private int[] ComputeSentencePieceWord(ReadOnlySpan<char> word)
    {
        var symbols = new List<int>(word.Length + 4);
        Span<byte> utf8 = stackalloc byte[8];
        for (int i = 0; i < word.Length;)
        {
            int len = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var ch = word.Slice(i, len);
            i += len;
            if (_vocabLookup.TryGetValue(ch, out int id))
            {
                symbols.Add(id);
            }
            else if (_def.ByteFallback && _byteFallbackComplete)
            {
                int nb = Encoding.UTF8.GetBytes(ch, utf8);
                for (int k = 0; k < nb; k++)
                {
                    symbols.Add(_byteIds[utf8[k]]);
                }
            }
            else if (_unkId >= 0 && !(_def.FuseUnk && symbols.Count > 0 && symbols[^1] == _unkId))
            {
                symbols.Add(_unkId); // without an unk token HF drops the character; so do we
            }
        }
        if (_def.IgnoreMerges && _vocabLookup.TryGetValue(word, out int whole))
        {
            return [whole];
        }
        var arr = symbols.ToArray();
        int n = BpeMerger.Merge(arr, _merges);
        return n == arr.Length ? arr : arr[..n];
    }

    // ---- setup helpers --------------------------------------------------------------------------------

    private static Regex CompileSplit(string pattern, string source)
    {
        try
        {
            return PreTokenizerPatterns.Compile(pattern);
        }
        catch (ArgumentException e)
        {
            throw new SiftException($"{source}: field 'pre_tokenizer' has a Split regex that .NET cannot compile: {e.Message}", e);
        }
    }

    /// <summary>True when some vocab token has the space marker right after another character (e.g. "a▁b").</summary>
    private bool AnyTokenHasMarkerInside(char marker)
    {
        foreach (string token in _vocab.Keys)
        {
            for (int i = 1; i < token.Length; i++)
            {
                if (token[i] == marker && token[i - 1] != marker)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private byte[][] BuildTokenBytes()
    {
        var result = new byte[_idToToken.Length][];
        char? marker = _pipe.ByteLevel ? null : _pipe.DecoderSpaceMarker;
        for (int id = 0; id < result.Length; id++)
        {
            string token = _idToToken[id];
            if (_isAdded[id])
            {
                result[id] = Encoding.UTF8.GetBytes(marker is char m ? token.Replace(m, ' ') : token);
            }
            else if (_pipe.ByteLevel)
            {
                result[id] = ByteLevelAlphabet.StringToBytes(token) ?? Encoding.UTF8.GetBytes(token);
            }
            else if (_pipe.DecoderByteFallback && token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b))
            {
                result[id] = [b];
            }
            else
            {
                result[id] = Encoding.UTF8.GetBytes(marker is char m ? token.Replace(m, ' ') : token);
            }
        }
        return result;
    }

    private string? FirstPresent(params string[] names)
    {
        foreach (string n in names)
        {
            if (_addedByContent.ContainsKey(n) || _vocab.ContainsKey(n))
            {
                return n;
            }
        }
        return null;
    }

    private byte[] CanonicalJson() => _canonicalJson ??= HfJsonWriter.Write(_def);
}
