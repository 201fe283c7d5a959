using Sift.Core.Random;
using Sift.Engine.Checkpoint;
using Sift.Engine.Inference;
using Sift.Engine.IO;
using Sift.Engine.Model;
using Sift.Engine.Tests.Inference;

namespace Sift.Engine.Tests.Model;

/// <summary>
/// Models resident in bf16/f16 against float32 models holding the same (rounded) weights: logits, decoding,
/// forward-only scoring, loading and saving.
/// </summary>
public sealed class HalfWeightsTests
{
    private static string SaveRounded(LlamaConfig c, SafeTensorsDType dtype)
    {
        string dir = Directory.CreateTempSubdirectory("sift-half").FullName;
        using var m = new LlamaModel(c);
        m.InitRandom(4, std: 0.3f);
        HfModelFolder.Save(m, dir, dtype);
        return dir;
    }

    public static TheoryData<ModelArchitecture, WeightFormat> Cases => new()
    {
        { ModelArchitecture.Qwen2ForCausalLM, WeightFormat.BF16 },
        { ModelArchitecture.InternLM2ForCausalLM, WeightFormat.F16 },
        { ModelArchitecture.MistralForCausalLM, WeightFormat.BF16 },
        { ModelArchitecture.LlamaForSequenceClassification, WeightFormat.F16 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void HalfResident_GivesTheLogitsOfTheRoundedFloat32Model(ModelArchitecture arch, WeightFormat format)
    {
        var c = ArchitectureInferenceTests.Tiny(arch, window: 3) with { TieWordEmbeddings = arch == ModelArchitecture.Qwen2ForCausalLM };
        string dir = SaveRounded(c, format.ToDType());
        using var f32 = HfModelFolder.Load(dir);
        using var half = HfModelFolder.Load(dir, format);
        Assert.Equal(format, half.Format);
        Assert.Equal(f32.WeightBytes / 2, half.WeightBytes);
        Assert.Throws<InvalidOperationException>(() => half.Weights);

        int[] tokens = [3, 9, 1, 14, 7, 7, 2, 20, 11, 5];
        int W = c.HeadWidth;
        float[] Prefill(LlamaModel m, out float[] steps)
        {
            using var s = new InferenceSession(m, 2, 32, Compute.Reference);
            var all = new List<float>();
            var last = new float[W];
            s.Prefill(0, tokens, last, (i, row) => all.AddRange(row.ToArray()));
            // Decode through the GEMV path: one token at a time after a 2-token prefill.
            var row = new float[W];
            s.Prefill(1, tokens.AsSpan(0, 2), row);
            var st = new List<float>();
            for (int t = 2; t < tokens.Length; t++)
            {
                s.Step([1], [tokens[t]], row);
                st.AddRange(row);
            }
            steps = [.. st];
            return [.. all];
        }
        float[] a = Prefill(f32, out float[] aSteps), b = Prefill(half, out float[] bSteps);
        Close(a, b, "prefill");
        Assert.Equal(aSteps, bSteps); // the 16-bit GEMV is bit-identical to the float32 one over the widened weights

        // Forward-only batched scoring (TrainingGraph) agrees too.
        using var ga = new TrainingGraph(f32, 1, tokens.Length, Compute.Reference, forwardOnly: true);
        using var gb = new TrainingGraph(half, 1, tokens.Length, Compute.Reference, forwardOnly: true);
        ga.ForwardHead(tokens, forBackward: false);
        gb.ForwardHead(tokens, forBackward: false);
        Close(ga.HeadOutputs.ToArray(), gb.HeadOutputs.ToArray(), "graph");
        Close(a, gb.HeadOutputs.ToArray(), "session vs graph");
        Assert.Throws<InvalidOperationException>(() => new TrainingGraph(half, 1, 4, Compute.Reference));
    }

    private static void Close(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < expected.Length; j++)
        {
            Assert.True(Math.Abs(expected[j] - actual[j]) < 1e-4 * (1 + Math.Abs(expected[j])), $"{what} [{j}]: f32 {expected[j]} half {actual[j]}");
        }
    }

    [Theory]
    [InlineData(SafeTensorsDType.BF16, WeightFormat.BF16)]
    [InlineData(SafeTensorsDType.F16, WeightFormat.F16)]
    [InlineData(SafeTensorsDType.F32, WeightFormat.BF16)]
    [InlineData(SafeTensorsDType.BF16, WeightFormat.F16)]
    public void Load_KeepsStoredBitsOrRounds_AndSaveWritesThemBack(SafeTensorsDType stored, WeightFormat format)
    {
        var c = ArchitectureInferenceTests.Tiny(ModelArchitecture.InternLM2ForCausalLM);
        string dir = SaveRounded(c, stored);
        using var half = HfModelFolder.Load(dir, format);
        string outDir = Directory.CreateTempSubdirectory("sift-half").FullName;
        HfModelFolder.Save(half, outDir, format.ToDType());
        using var reference = SafeTensorsFile.Open(Path.Combine(dir, "model.safetensors"));
        using var saved = SafeTensorsFile.Open(Path.Combine(outDir, "model.safetensors"));
        foreach (var name in reference.Tensors.Keys)
        {
            float[] want = reference.ReadAsFloat32(name), got = saved.ReadAsFloat32(name);
            if (stored == format.ToDType())
            {
                Assert.Equal(reference.RawBytes(name).ToArray(), saved.RawBytes(name).ToArray()); // kept as stored
            }
            else
            {
                var rounded = new byte[want.Length * 2];
                FloatConversions.FromFloat32(format.ToDType(), want, rounded);
                Assert.Equal(rounded, saved.RawBytes(name).ToArray()); // rounded to nearest even once
            }
            Assert.Equal(want.Length, got.Length);
        }
    }

    [Fact]
    public void ForwardOnlyGraph_GivesTheTrainingGraphsLosses_WithoutGradientMemory()
    {
        var c = ModelGradientTests.TinyConfig(tied: false, heads: 4, kvHeads: 2);
        using var model = new LlamaModel(c);
        model.InitRandom(2, std: 0.3f);
        var rng = new Rng(3);
        int B = 2, T = 6, n = B * T;
        int[] inputs = [.. Enumerable.Range(0, n).Select(_ => rng.NextInt(c.VocabSize))];
        int[] targets = [.. Enumerable.Range(0, n).Select(_ => rng.NextInt(c.VocabSize))];
        using var full = new TrainingGraph(model, B, T, Compute.Reference);
        using var fwd = new TrainingGraph(model, B, T, Compute.Reference, forwardOnly: true);
        full.Forward(inputs, targets, forBackward: false);
        fwd.Forward(inputs, targets, forBackward: false);
        Assert.Equal(full.Losses, fwd.Losses);
        // No gradients and one layer of activations instead of L.
        Assert.True(fwd.AllocatedBytes * 3 < full.AllocatedBytes, $"forward-only {fwd.AllocatedBytes} B vs {full.AllocatedBytes} B");
        Assert.True(fwd.AllocationBreakdown.Single(b => b.Name == "grads").Bytes <= 4);
        Assert.Throws<InvalidOperationException>(() => fwd.Forward(inputs, targets));
    }

    [Fact]
    public void WeightFormat_ParsesTheCliSpellings()
    {
        Assert.Equal(WeightFormat.BF16, WeightFormats.Parse("bf16"));
        Assert.Equal(WeightFormat.F16, WeightFormats.Parse("FP16"));
        Assert.Equal(WeightFormat.F32, WeightFormats.Parse("f32"));
        var ex = Assert.Throws<Sift.Core.SiftException>(() => WeightFormats.Parse("int8"));
        Assert.Contains("int8", ex.Message);
    }
}
