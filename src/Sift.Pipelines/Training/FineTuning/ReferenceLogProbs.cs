using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Data.Examples;
using Sift.Engine.Model;
using Sift.Pipelines.Selective;

namespace Sift.Pipelines.Training.FineTuning;

/// <summary>
/// The reference model's sequence log-prob log π_ref(y|x) of every document of an example dataset: the sum over the
/// document's completion targets (prompt tokens excluded), as TRL's precomputed reference log-probs (spec §3). Computed
/// once: from per-document scores (<c>sift score --data EXAMPLES --per-document</c>, recipe key data.ref_scores), or with
/// the run's initial model before the first step (TRL's default reference is the starting policy), then stored in
/// the run folder so a resumed run reads the same values.
/// </summary>
internal sealed class ReferenceLogProbs
{
    /// <summary>File name in the run folder.</summary>
    public const string FileName = "reference_logps.bin";

    private readonly Func<long, long> _firstDocument;
    private readonly double[] _logps;

    private ReferenceLogProbs(ExampleSet set, double[] logps, string source)
        : this(ex => set[ex].FirstDocument, logps, source)
    {
    }

    /// <summary>Values per document; <paramref name="firstDocument"/> maps an example to its first document.</summary>
    internal ReferenceLogProbs(Func<long, long> firstDocument, double[] logps, string source)
    {
        _firstDocument = firstDocument;
        _logps = logps;
        Source = source;
    }

    /// <summary>Where the values came from (for the log).</summary>
    public string Source { get; }

    /// <summary>log π_ref of document <paramref name="document"/>.</summary>
    public double Document(long document) => _logps[document];

    /// <summary>log π_ref of the document in <paramref name="row"/>.</summary>
    public double Of(in ExampleRow row) => _logps[_firstDocument(row.Example) + row.Slot];

    /// <summary>From per-document reference scores: −Σ score over each document's completion positions.</summary>
    public static ReferenceLogProbs FromScores(string folder, ExampleSet set)
    {
        using var scores = ReferenceScores.OpenPerDocument(folder, set.Tokens);
        var logps = new double[set.Tokens.DocumentCount];
        var values = new float[set.Manifest.LongestDocument];
        var mask = new byte[set.Manifest.LongestDocument];
        for (long d = 0; d < logps.Length; d++)
        {
            var (start, n) = set.Document(d);
            scores.Read(start, values.AsSpan(0, n));
            set.Mask.Read(start, mask.AsSpan(0, n));
            double s = 0;
            for (int j = 1; j < n; j++)
            {
                s -= mask[j] != 0 ? values[j] : 0;
            }
            logps[d] = s;
        }
        return new ReferenceLogProbs(set, logps, $"per-document scores {folder}");
    }

    /// <summary>
    /// Reads <see cref="FileName"/> from <paramref name="runDir"/> when it was made for this dataset, else scores every
    /// document with <paramref name="graph"/>'s model (which must still be the initial model) and stores the values.
    /// </summary>
    public static ReferenceLogProbs ComputeOrLoad(string runDir, ExampleSet set, TrainingGraph graph, Action<long, long> progress)
    {
        string bin = Path.Combine(runDir, FileName), meta = Path.ChangeExtension(bin, ".json");
        string fingerprint = set.Manifest.DatasetContentFingerprint;
        if (File.Exists(bin) && File.Exists(meta))
        {
            string? stored = JsonNode.Parse(File.ReadAllText(meta))?["dataset"]?.GetValue<string>();
            byte[] bytes = File.ReadAllBytes(bin);
            if (stored != fingerprint || bytes.Length != set.Tokens.DocumentCount * sizeof(double))
            {
                throw new SiftException($"{bin}: the stored reference log-probs belong to other data ({stored ?? "unreadable"}, {bytes.Length / sizeof(double)} documents); " +
                    $"this run trains on {set.Folder} ({set.Tokens.DocumentCount} documents). Use a new out_dir");
            }
            return new ReferenceLogProbs(set, MemoryMarshal.Cast<byte, double>(bytes).ToArray(), $"{bin} (the initial model)");
        }
        var logps = Score(set, graph, progress);
        AtomicFile.WriteAllBytes(bin, MemoryMarshal.AsBytes(logps.AsSpan()));
        AtomicFile.WriteAllText(meta, new JsonObject { ["dataset"] = fingerprint, ["documents"] = logps.Length }.ToJsonString() + "\n");
        return new ReferenceLogProbs(set, logps, $"the initial model, stored in {bin}");
    }

    /// <summary>Each document alone from position 0, B per forward (no gradient).</summary>
    internal static double[] Score(ExampleSet set, TrainingGraph graph, Action<long, long> progress)
    {
        int B = graph.Batch, T = graph.SeqLen;
        long docs = set.Tokens.DocumentCount;
        var logps = new double[docs];
        var inputs = new int[B * T];
        var targets = new int[B * T];
        var tok = new int[T + 1];
        var mask = new byte[T + 1];
        for (long d0 = 0; d0 < docs; d0 += B)
        {
            int nb = (int)Math.Min(B, docs - d0);
            inputs.AsSpan().Clear();
            targets.AsSpan().Fill(ExampleSampler.IgnoreTarget);
            for (int b = 0; b < nb; b++)
            {
                var (start, n) = set.Document(d0 + b);
                if (n - 1 > T)
                {
                    throw new SiftException($"{set.Folder}: document {d0 + b} has {n} tokens; rows hold train.seq_len + 1 = {T + 1}");
                }
                set.Tokens.ReadTokens(start, tok.AsSpan(0, n));
                set.Mask.Read(start, mask.AsSpan(0, n));
                for (int j = 0; j < n - 1; j++)
                {
                    inputs[(b * T) + j] = tok[j];
                    targets[(b * T) + j] = mask[j + 1] != 0 ? tok[j + 1] : ExampleSampler.IgnoreTarget;
                }
            }
            graph.Forward(inputs, targets, forBackward: false);
            for (int b = 0; b < nb; b++)
            {
                double s = 0;
                for (int j = b * T; j < (b + 1) * T; j++)
                {
                    s -= targets[j] != ExampleSampler.IgnoreTarget ? graph.Losses[j] : 0;
                }
                logps[d0 + b] = s;
            }
            progress(d0 + nb, docs);
        }
        return logps;
    }
}
