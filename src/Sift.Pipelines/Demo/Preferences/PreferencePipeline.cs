using System.Diagnostics;
using Sift.Core.Reporting;

namespace Sift.Pipelines.Demo.Preferences;

/// <summary>
/// `sift demo preferences`: the built-in corpus → tokenizer → base model (the `sift demo` reference model: CLM on the
/// clean problems) → the training problems decontaminated against the held-out set (with a planted-leak control) →
/// per seed, answer-only SFT from the base model → per rule (KTO, DPO) and seed, self-training iterations from the SFT
/// model (sample 4 solutions per problem, grade them against the gold answer, train on the graded solutions) → every
/// model judged by batched greedy decoding on the held-out problems → console table, report.md, preferences.svg and
/// summary.json. Every stage is cached in the output folder: a rerun skips finished stages.
/// <code>
/// OUT/data/ OUT/reference/   the corpus and the base model (`sift demo`'s stages)
/// OUT/problems/              all.jsonl, clean.jsonl (decontaminated), planted.jsonl, sft/ (packed), selftrain.jsonl
/// OUT/sft-s1/ ...            the SFT runs
/// OUT/kto-s1/ OUT/dpo-s1/ ... the self-training runs (iteration-1/, iteration-2/, each with its model)
/// OUT/report.md OUT/preferences.svg OUT/summary.json
/// </code>
/// </summary>
internal sealed class PreferencePipeline(PreferenceOptions options, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>The command line to print in the report.</summary>
    public string Command { get; init; } = "./sift demo preferences";

    /// <summary>Runs (or resumes) the demo into <paramref name="outDir"/> and writes its report.</summary>
    public PreferenceResult Run(string outDir, CancellationToken cancel = default)
    {
        var o = options;
        o.Validate();
        outDir = Path.GetFullPath(outDir);
        Directory.CreateDirectory(outDir);
        double loadStart = DemoPipeline.LoadAverage();
        var clock = Stopwatch.StartNew();
        var store = new StageStore(_progress);
        var demo = new DemoStages(store, DemoStages.FixedLayout(outDir), _progress);
        var stages = new PreferenceStages(store, demo, outDir, _progress);
        var steps = new StageSteps(4 + o.Seeds.Count * (1 + (o.Iterations > 0 ? o.Rules.Count : 0)), _progress);
        StageRecord<T> Step<T>(string what, Func<StageRecord<T>> run) where T : IStageResult => steps.Run(what, run);

        var d = o.Demo;
        var synth = Step($"corpus and tokenizer ({d.Corpus.CleanDocuments:N0} clean documents, {d.Corpus.EvalPerTier * d.Corpus.EvalTiers.Count:N0} held-out problems)",
            () => demo.Synth(d, cancel: cancel));
        var baseModel = Step($"base model: CLM on the clean corpus ({DemoPipeline.ModelText(d.Reference, d.TokenizerVocab)}, {d.Reference.MaxSteps} steps)",
            () => demo.Reference(d, synth, cancel: cancel));
        var problems = Step($"training problems decontaminated against the held-out set (unigram Jaccard > {o.LeakThreshold}), planted-leak control",
            () => stages.Problems(o, synth, cancel));
        var columns = new List<StageScores>
        {
            new("base", "base model", null, 0, [new SeedScore(0, HeldOutScore.From(baseModel.Result.FinalEval, "base model"))]),
        };
        var sftScores = new List<SeedScore>();
        var selftrain = new List<(string Rule, ulong Seed, SelfTrainStageResult Run)>();
        foreach (ulong seed in o.Seeds)
        {
            var sft = Step($"SFT from the base model, seed {seed} ({o.Sft.MaxSteps} steps on {problems.Result.SftExamples:N0} problems)",
                () => stages.Sft(o, seed, synth, problems, baseModel, cancel));
            sftScores.Add(new SeedScore(seed, HeldOutScore.From(sft.Result.FinalEval, sft.Name)));
            if (o.Iterations == 0)
            {
                continue;
            }
            foreach (string rule in o.Rules)
            {
                var st = Step($"{rule.ToUpperInvariant()} self-training from SFT, seed {seed}: {o.Iterations} iteration(s) of {o.Problems} problems × {o.Samples} samples",
                    () => stages.SelfTrain(o, rule, seed, sft, problems, synth, cancel));
                selftrain.Add((rule, seed, st.Result));
            }
        }
        columns.Add(new StageScores("sft", "SFT", null, 0, sftScores));
        foreach (string rule in o.Rules)
        {
            for (int it = 1; it <= o.Iterations; it++)
            {
                int i = it;
                var scores = selftrain.Where(x => x.Rule == rule).Select(x => new SeedScore(x.Seed, x.Run.Iterations[i - 1].HeldOut)).ToList();
                columns.Add(new StageScores($"{rule}-{i}", $"{rule.ToUpperInvariant()}, iteration {i}", rule, i, scores));
            }
        }
        steps.Last("report");
        var result = new PreferenceResult
        {
            Options = o,
            Folder = outDir,
            Command = Command,
            Stages = steps.Records,
            Columns = columns,
            Leaks = problems.Result.Leaks,
            SelfTrain = selftrain,
            WallSeconds = clock.Elapsed.TotalSeconds,
            Load = (loadStart, DemoPipeline.LoadAverage()),
        };
        PreferenceReport.WriteAll(result);
        return result;
    }
}
