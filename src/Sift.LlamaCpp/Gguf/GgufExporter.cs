using Sift.Core;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.Text;

namespace Sift.LlamaCpp.Gguf;

/// <summary>What an export wrote.</summary>
/// <param name="Path">The GGUF file.</param>
/// <param name="Architecture">general.architecture.</param>
/// <param name="Tensors">Tensor count.</param>
/// <param name="Bytes">File size.</param>
/// <param name="Warnings">Differences llama.cpp will show against Sift's engine (e.g. an ignored sliding window).</param>
public sealed record GgufExportResult(string Path, string Architecture, int Tensors, long Bytes, IReadOnlyList<string> Warnings);

/// <summary>
/// Writes a Hugging Face model folder (config.json + safetensors + tokenizer.json) as a GGUF v3 file that llama.cpp
/// loads: the architecture's hyper-parameters under llama.cpp's keys, the tokenizer, and the weights under
/// llama.cpp's tensor names. Llama, Mistral and InternLM2 run rotary embeddings on interleaved pairs in llama.cpp,
/// so their q/k rows are permuted from Hugging Face's half-split order (as convert_hf_to_gguf.py does); Qwen2 runs
/// the half-split (NeoX) form and is written unpermuted.
/// </summary>
public static unsafe class GgufExporter
{
    /// <summary>Exports <paramref name="modelDir"/> to <paramref name="outPath"/> (written atomically).</summary>
    public static GgufExportResult Export(string modelDir, string outPath, GgmlType type, IProgress<double>? progress = null)
    {
        var config = LlamaConfig.Load(Path.Combine(modelDir, "config.json"));
        var (arch, permute) = ArchOf(config, modelDir);
        var tok = TokenizerFactory.Load(modelDir);
        if (tok.VocabSize > config.VocabSize)
        {
            throw new SiftException($"{modelDir}: tokenizer.json has {tok.VocabSize} ids but config.json vocab_size is {config.VocabSize}");
        }
        // Keep 16-bit checkpoints 16-bit in memory: an 8B bf16 model exports in 16 GB, not 32.
        var resident = config.TorchDtype switch { "bfloat16" => WeightFormat.BF16, "float16" => WeightFormat.F16, _ => WeightFormat.F32 };
        using var model = HfModelFolder.Load(modelDir, resident);
        var warnings = new List<string>();
        var w = new GgufWriter();
        AddHyperParameters(w, config, arch, type, Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd('/')), warnings);
        GgufTokenizerMetadata.Add(w, tok, config.VocabSize, config.BosTokenId ?? tok.BosId, config.EosTokenId ?? tok.EosId, config.PadTokenId);
        AddTensors(w, model, type, permute);
        w.Write(outPath, progress);
        return new GgufExportResult(outPath, arch, w.Tensors.Count(), new FileInfo(outPath).Length, warnings);
    }

    /// <summary>Parses "f32" | "f16" | "q8_0".</summary>
    public static GgmlType ParseType(string text) => text.ToLowerInvariant() switch
    {
        "f32" => GgmlType.F32,
        "f16" => GgmlType.F16,
        "q8_0" or "q8" => GgmlType.Q8_0,
        _ => throw new SiftException($"--type: '{text}' is not a GGUF tensor type Sift writes (expected f32, f16 or q8_0)"),
    };

    // llama.cpp's architecture name and whether q/k rows are permuted to its interleaved rotary layout.
    private static (string Arch, bool Permute) ArchOf(LlamaConfig c, string source)
    {
        if (c.Spec.Head != ModelHead.CausalLm)
        {
            throw new SiftException($"{source}: {c.Spec.Name} has a score head, which llama.cpp's GGUF architectures do not carry; export supports LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, InternLM2ForCausalLM");
        }
        if (c.RopeScaling?.Type == RopeScalingType.Dynamic)
        {
            throw new SiftException($"{source}: field 'rope_scaling' has type 'dynamic', which llama.cpp does not implement; it cannot be exported exactly");
        }
        return c.Architecture switch
        {
            ModelArchitecture.LlamaForCausalLM or ModelArchitecture.MistralForCausalLM => ("llama", true),
            ModelArchitecture.Qwen2ForCausalLM => ("qwen2", false),
            ModelArchitecture.InternLM2ForCausalLM => ("internlm2", true),
            _ => throw new SiftException($"{source}: architecture {c.Spec.Name} has no llama.cpp equivalent"),
        };
    }

    private static void AddHyperParameters(GgufWriter w, LlamaConfig c, string arch, GgmlType type, string name, List<string> warnings)
    {
        w.Add("general.architecture", GgufValue.Str(arch));
        w.Add("general.name", GgufValue.Str(name));
        w.Add("general.alignment", GgufValue.U32((uint)w.Alignment));
        // llama_ftype: ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q8_0 = 7.
        w.Add("general.file_type", GgufValue.U32(type switch { GgmlType.F16 => 1u, GgmlType.Q8_0 => 7u, _ => 0u }));
        if (type == GgmlType.Q8_0)
        {
            w.Add("general.quantization_version", GgufValue.U32(2));
        }
        w.Add($"{arch}.vocab_size", GgufValue.U32((uint)c.VocabSize));
        w.Add($"{arch}.context_length", GgufValue.U32((uint)c.MaxPositionEmbeddings));
        w.Add($"{arch}.embedding_length", GgufValue.U32((uint)c.HiddenSize));
        w.Add($"{arch}.block_count", GgufValue.U32((uint)c.NumHiddenLayers));
        w.Add($"{arch}.feed_forward_length", GgufValue.U32((uint)c.IntermediateSize));
        w.Add($"{arch}.attention.head_count", GgufValue.U32((uint)c.NumAttentionHeads));
        w.Add($"{arch}.attention.head_count_kv", GgufValue.U32((uint)c.NumKeyValueHeads));
        w.Add($"{arch}.attention.key_length", GgufValue.U32((uint)c.HeadDim));
        w.Add($"{arch}.attention.value_length", GgufValue.U32((uint)c.HeadDim));
        w.Add($"{arch}.attention.layer_norm_rms_epsilon", GgufValue.F32(c.RmsNormEps));
        w.Add($"{arch}.rope.freq_base", GgufValue.F32(c.RopeTheta));
        w.Add($"{arch}.rope.dimension_count", GgufValue.U32((uint)c.HeadDim));
        if (c.RopeScaling is { Type: RopeScalingType.Linear } s)
        {
            w.Add($"{arch}.rope.scaling.type", GgufValue.Str("linear"));
            w.Add($"{arch}.rope.scaling.factor", GgufValue.F32(s.Factor));
        }
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            if (c.AttentionWindow(l) is int window && window < c.MaxPositionEmbeddings)
            {
                warnings.Add($"{c.Spec.Name} uses a sliding window of {window} tokens (layer {l} on); llama.cpp's '{arch}' attends to the whole context, so outputs differ beyond {window} tokens");
                break;
            }
        }
    }

    private static void AddTensors(GgufWriter w, LlamaModel model, GgmlType type, bool permute)
    {
        var c = model.Config;
        var layout = model.Layout;
        var view = model.View;
        int d = c.HiddenSize, f = c.IntermediateSize, hd = c.HeadDim;
        // 1-D tensors stay f32 (llama.cpp adds them to f32 activations); a matrix whose rows are not a whole number of
        // q8_0 blocks falls back to f16, as convert_hf_to_gguf.py does.
        GgmlType Matrix(int cols) => type == GgmlType.Q8_0 && cols % GgufFormat.Q8Block != 0 ? GgmlType.F16 : type;
        void Mat(string name, long offset, int rows, int cols, Func<long, long>? rowMap = null) =>
            w.AddTensor(name, [cols, rows], Matrix(cols), Rows(view, offset, cols, rowMap));
        void Vec(string name, long offset, int n) => w.AddTensor(name, [n], GgmlType.F32, Rows(view, offset, n, null));

        Mat("token_embd.weight", layout.Embedding, c.VocabSize, d);
        if (c.RopeScaling is { Type: RopeScalingType.Llama3 })
        {
            // llama.cpp divides each rotary frequency by a per-dimension factor: the ratio of the plain frequencies to
            // the llama3-rewritten ones.
            float[] plain = RopeFrequencies.Default(hd, c.RopeTheta), scaled = RopeFrequencies.For(c, c.MaxPositionEmbeddings);
            float[] factors = [.. plain.Select((p, i) => p / scaled[i])];
            w.AddTensor("rope_freqs.weight", [hd / 2], GgmlType.F32, (_, dst) => factors.CopyTo(dst));
        }
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var o = layout.Layers[l];
            string p = $"blk.{l}.";
            Vec(p + "attn_norm.weight", o.AttnNorm, d);
            Mat(p + "attn_q.weight", o.Qkv, c.QDim, d, permute ? r => Interleave(r, hd) : null);
            Mat(p + "attn_k.weight", o.Qkv + (long)c.QDim * d, c.KvDim, d, permute ? r => Interleave(r, hd) : null);
            Mat(p + "attn_v.weight", o.Qkv + (long)(c.QDim + c.KvDim) * d, c.KvDim, d);
            if (o.HasQkvBias)
            {
                Vec(p + "attn_q.bias", o.QkvBias, c.QDim);
                Vec(p + "attn_k.bias", o.QkvBias + c.QDim, c.KvDim);
                Vec(p + "attn_v.bias", o.QkvBias + c.QDim + c.KvDim, c.KvDim);
            }
            Mat(p + "attn_output.weight", o.O, d, c.QDim);
            Vec(p + "ffn_norm.weight", o.MlpNorm, d);
            Mat(p + "ffn_gate.weight", o.GateUp, f, d);
            Mat(p + "ffn_up.weight", o.GateUp + (long)f * d, f, d);
            Mat(p + "ffn_down.weight", o.Down, d, f);
        }
        Vec("output_norm.weight", layout.FinalNorm, d);
        if (!c.TieWordEmbeddings)
        {
            Mat("output.weight", layout.Head, c.VocabSize, d);
        }
    }

    /// <summary>
    /// The Hugging Face row feeding row <paramref name="r"/> of llama.cpp's interleaved layout: within each head, row
    /// 2i + j holds HF row j·hd/2 + i (pairs (i, i + hd/2) become adjacent).
    /// </summary>
    internal static long Interleave(long r, int hd)
    {
        long head = r / hd, k = r % hd;
        return head * hd + (k % 2) * (hd / 2) + k / 2;
    }

    private static RowSource Rows(Sift.Engine.Model.WeightView view, long offset, int cols, Func<long, long>? rowMap) => (r, dst) =>
    {
        long src = offset + (rowMap?.Invoke(r) ?? r) * cols;
        fixed (float* dp = dst)
        {
            float* values = view.Floats(src, cols, dp);
            if (values != dp)
            {
                new ReadOnlySpan<float>(values, cols).CopyTo(dst);
            }
        }
    };
}
