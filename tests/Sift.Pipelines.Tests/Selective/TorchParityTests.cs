using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Data;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Tests.Training;
using Sift.Pipelines.Training.Objectives;
using Xunit.Abstractions;

namespace Sift.Pipelines.Tests.Selective;

/// <summary>
/// The hand-off to PyTorch: `sift data export` writes windows and reference losses that numpy maps, and
/// integrations/torch/sift_slm.py computes the same selection and loss as Sift's slm objective on them.
/// </summary>
public sealed class TorchParityTests(ITestOutputHelper output)
{
    private const int T = 16, B = 4;

    private static LlamaModel Model() => new(new LlamaConfig
    {
        VocabSize = 257,
        HiddenSize = 16,
        IntermediateSize = 32,
        NumHiddenLayers = 1,
        NumAttentionHeads = 2,
        NumKeyValueHeads = 1,
        HeadDim = 8,
        MaxPositionEmbeddings = 64,
        TieWordEmbeddings = true,
        EosTokenId = 256,
    });

    private static (string Data, string Scores, string Export) Exported(string dir, string dtype, int perShard)
    {
        string data = TrainingRunTests.PackCorpus(dir);
        using var reference = Model();
        reference.InitRandom(42, std: 0.2f);
        string refDir = Path.Combine(dir, "ref");
        HfModelFolder.Save(reference, refDir);
        string scores = Path.Combine(dir, "scores");
        new CorpusScorer(reference, new Compute(GemmFactory.Create("managed", 1), 1), refDir).Run(data, scores, new CorpusScoreOptions(T, Batch: 3, DType: dtype));
        string export = Path.Combine(dir, "export");
        new WindowExport().Run(data, export, new WindowExportOptions(T, scores, WindowsPerShard: perShard));
        return (data, scores, export);
    }

    [Fact]
    public void Export_HoldsTheTrainingWindows_AndTheirReferenceLosses()
    {
        string dir = Directory.CreateTempSubdirectory("sift-export").FullName;
        var (data, scores, export) = Exported(dir, "float16", perShard: 7);
        var index = WindowExportIndex.Load(export);
        using var ds = TokenDataset.Open(data);
        using var rs = ReferenceScores.Open(scores, ds, T);
        long windows = (ds.TotalTokens - 1) / T;
        Assert.Equal(windows, index.Windows);
        Assert.Equal((int)((windows + 6) / 7), index.Shards.Count);
        Assert.Equal("float16", index.RefLossDType);
        Assert.Equal(rs.Manifest.ModelSha256, index.ReferenceModelSha256);
        var window = new int[T + 1];
        var expected = new float[T];
        foreach (var shard in index.Shards)
        {
            var (ids, idShape) = NpyFile.Read<ushort>(Path.Combine(export, shard.InputIds));
            var (refs, refShape) = NpyFile.Read<Half>(Path.Combine(export, shard.RefLoss!));
            Assert.Equal([shard.Windows, T + 1], idShape);
            Assert.Equal([shard.Windows, T], refShape);
            Assert.Equal(Sift.Core.IO.Hashing.Sha256File(Path.Combine(export, shard.InputIds)), shard.Sha256[shard.InputIds]);
            for (long w = 0; w < shard.Windows; w++)
            {
                long start = (shard.FirstWindow + w) * T;
                ds.ReadTokens(start, window);
                rs.Read(start + 1, expected); // the targets' scores
                for (int i = 0; i <= T; i++)
                {
                    Assert.Equal(window[i], ids[w * (T + 1) + i]);
                }
                for (int i = 0; i < T; i++)
                {
                    Assert.Equal(expected[i], (float)refs[w * T + i]);
                }
            }
        }
    }

    [Fact]
    public void TorchSelectiveLoss_EqualsSifts_OnAnExportedBatch()
    {
        string? python = PythonWithTorch();
        if (python is null)
        {
            output.WriteLine("skipped: no python3 with torch and numpy found (/usr/bin/python3, python3); install Debian's python3-torch to run this check");
            return;
        }
        string dir = Directory.CreateTempSubdirectory("sift-torch").FullName;
        var (data, scores, export) = Exported(dir, "float32", perShard: 5);
        using var ds = TokenDataset.Open(data);
        using var rs = ReferenceScores.Open(scores, ds, T);
        long[] windows = [3, 7, 1, 12]; // across shards, out of order
        var inputs = new int[B * T];
        var targets = new int[B * T];
        var window = new int[T + 1];
        for (int b = 0; b < B; b++)
        {
            ds.ReadTokens(windows[b] * T, window);
            window.AsSpan(0, T).CopyTo(inputs.AsSpan(b * T));
            window.AsSpan(1, T).CopyTo(targets.AsSpan(b * T));
        }
        long[] starts = windows.Select(w => w * T).ToArray();

        using var student = Model();
        student.InitRandom(7, std: 0.3f);
        using var graph = new TrainingGraph(student, B, T, new Compute(GemmFactory.Create("managed", 1), 1));
        graph.Forward(inputs, targets, forBackward: false);
        float[] logits = graph.Logits.ToArray();
        float[] losses = [.. graph.Losses];

        string batch = Path.Combine(dir, "batch");
        Directory.CreateDirectory(batch);
        Write(Path.Combine(batch, "logits.npy"), logits, [B, T, 257]);
        Write(Path.Combine(batch, "token_loss.npy"), losses, [B, T]);
        var cases = new JsonArray();
        foreach (var (name, ratio, scope, accum) in new[] { ("batch", 0.3, SelectScope.Batch, 1), ("sequence", 0.55, SelectScope.Sequence, 1), ("accum", 0.6, SelectScope.Batch, 2) })
        {
            var slm = new SlmObjective(rs, ratio, scope, null);
            var weights = new float[B * T];
            slm.ComputeWeights(new MicroBatch(losses, targets, starts, T, B * T * accum), weights);
            Write(Path.Combine(batch, $"weights-{name}.npy"), weights, [B, T]);
            cases.Add(new JsonObject { ["name"] = name, ["ratio"] = ratio, ["scope"] = scope == SelectScope.Batch ? "batch" : "sequence", ["grad_accum"] = accum });
        }
        // Exact ties: three tokens in four have a student loss equal to the reference's (excess 0), so the rule
        // "ties to the earlier position" decides which of them are kept.
        var refs32 = new float[B * T];
        WindowSideData.ReadTargets(rs, starts, T, refs32);
        var tied = refs32.Select((r, i) => i % 4 == 0 ? r + 1f : r).ToArray();
        foreach (var (name, scope) in new[] { ("ties-batch", SelectScope.Batch), ("ties-sequence", SelectScope.Sequence) })
        {
            var weights = new float[B * T];
            new SlmObjective(rs, 0.5, scope, null).ComputeWeights(new MicroBatch(tied, targets, starts, T, B * T), weights);
            Write(Path.Combine(batch, $"weights-{name}.npy"), weights, [B, T]);
            Write(Path.Combine(batch, $"token_loss-{name}.npy"), tied, [B, T]);
            cases.Add(new JsonObject { ["name"] = name, ["ratio"] = 0.5, ["scope"] = scope == SelectScope.Batch ? "batch" : "sequence", ["grad_accum"] = 1, ["synthetic_losses"] = true });
        }
        File.WriteAllText(Path.Combine(batch, "batch.json"), new JsonObject { ["windows"] = new JsonArray(windows.Select(w => (JsonNode)w).ToArray()), ["cases"] = cases }.ToJsonString());

        var result = RunPython(python, Path.Combine(RepoRoot(), "integrations", "torch", "tests", "parity.py"), export, batch);
        output.WriteLine(result.ToJsonString());
        // The reader returns the windows Sift trained on, with their reference losses.
        var ids = result["input_ids"]!.AsArray();
        var refs = result["ref_loss"]!.AsArray();
        var expectedRef = new float[T];
        for (int b = 0; b < B; b++)
        {
            ds.ReadTokens(windows[b] * T, window);
            Assert.Equal(window, ids[b]!.AsArray().Select(x => (int)x!).ToArray());
            rs.Read(windows[b] * T + 1, expectedRef);
            Assert.Equal(expectedRef, refs[b]!.AsArray().Select(x => (float)(double)x!).ToArray());
        }
        foreach (var c in result["cases"]!.AsArray())
        {
            string name = (string)c!["name"]!;
            Assert.True((double)c["max_token_loss_diff"]! < 1e-5, $"{name}: cross-entropy differs by {c["max_token_loss_diff"]}");
            Assert.True((int)c["mask_mismatch_from_sift_losses"]! == 0, $"{name}: selection from Sift's losses differs in {c["mask_mismatch_from_sift_losses"]} tokens");
            Assert.True((int)c["mask_mismatch"]! == 0, $"{name}: selection from torch's losses differs in {c["mask_mismatch"]} tokens");
            Assert.Equal((int)c["sift_k"]!, (int)c["k"]!);
            Assert.True(Math.Abs((double)c["loss"]! - (double)c["sift_loss"]!) <= 1e-5 * Math.Max(1, Math.Abs((double)c["sift_loss"]!)), $"{name}: loss {c["loss"]} vs Sift's {c["sift_loss"]}");
            Assert.True((bool)c["weights_match"]!, $"{name}: the 1/(k·grad_accum) weights differ");
            if (name.StartsWith("ties", StringComparison.Ordinal))
            {
                Assert.True((int)c["ties"]! >= B * T / 2, $"{name}: expected many exact ties, got {c["ties"]}");
            }
        }
    }

    private static void Write(string path, float[] values, long[] shape)
    {
        using var w = new NpyWriter<float>(path, shape);
        w.Append(values);
        w.Commit();
    }

    private static string RepoRoot()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Sift.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Sift.slnx not found above the test folder");
        }
        return root;
    }

    /// <summary>The first python that imports torch and numpy, or null.</summary>
    private static string? PythonWithTorch()
    {
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var (code, _, _) = Exec(candidate, ["-c", "import torch, numpy"], TimeSpan.FromMinutes(2));
                if (code == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed
            }
        }
        return null;
    }

    private static JsonObject RunPython(string python, string script, params string[] args)
    {
        var (code, stdout, stderr) = Exec(python, [script, .. args], TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"{script} failed ({code}): {stderr}");
        return JsonNode.Parse(stdout)!.AsObject();
    }

    private static (int Code, string Stdout, string Stderr) Exec(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeout}");
        }
        return (p.ExitCode, stdout, err.Result);
    }
}
