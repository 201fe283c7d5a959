using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Random;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Engine.Optim;

namespace Sift.Pipelines.Training;

/// <summary>What a finished (or stopped) run reports.</summary>
public sealed record TrainSummary(string RunDir, string ModelDir, long Steps, long Tokens, double FinalLoss, double? EvalLoss, double TokensPerSecond, double Seconds, bool Stopped)
{
    /// <summary>The last evaluation record (eval_loss and, with eval.problems, clean_loss, answer_loss, accuracy, tiers), or null.</summary>
    public JsonObject? FinalEval { get; init; }

    /// <summary>Tokens that received gradient (selected tokens for slm/random; all tokens for clm).</summary>
    public long TrainedTokens { get; init; }

    /// <summary>Seconds of this invocation's optimizer steps (data, forward, objective, backward, clipping, AdamW; no evaluation or checkpoints).</summary>
    public double StepSeconds { get; init; }

    /// <summary>Seconds of those spent in the objective's weights (the cost of selection: reading reference scores, ranking, accounting).</summary>
    public double ObjectiveSeconds { get; init; }
}

/// <summary>
/// Runs a training recipe end to end: data, model, optimizer, the step loop with gradient accumulation,
/// logging to metrics.jsonl, periodic evaluation and checkpoints, exact resume, a final model folder and an
/// SVG loss curve. The per-token objective decides the backward weights.
/// </summary>
public sealed class TrainingRun
{
    private readonly TrainRecipe _r;
    private readonly IProgressReporter _progress;

    /// <summary>Prepares a run.</summary>
    public TrainingRun(TrainRecipe recipe, IProgressReporter? progress = null)
    {
        _r = recipe;
        _progress = progress ?? NullProgress.Instance;
    }

    /// <summary>The objective of the last Execute (exposes selection statistics after the run).</summary>
    public ITokenObjective? Objective { get; private set; }

    /// <summary>Stop early after this many steps of this invocation (used by tests to simulate a kill).</summary>
    public long? StopAfterSteps { get; init; }

    /// <summary>Runs (or resumes) the recipe.</summary>
    public TrainSummary Execute(bool resume, CancellationToken cancel = default)
    {
        string runDir = Path.GetFullPath(_r.OutDir);
        var store = new CheckpointStore(runDir);
        string? latest = store.Latest();
        if (!resume && latest is not null)
        {
            throw new SiftException($"{runDir}: the run folder already has checkpoints; pass --resume to continue it, or choose another out_dir (--set out_dir=...)");
        }
        if (resume && latest is null)
        {
            _progress.Line($"resume: no checkpoint in {store.Root}; starting from step 0");
        }
        Directory.CreateDirectory(runDir);
        string recipeYaml = _r.ToYaml();
        string recipeHash = Hashing.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(recipeYaml));

        using var train = TokenDataset.Open(_r.TrainData);
        TokenDataset? validSet = _r.ValidData is null ? null : TokenDataset.Open(_r.ValidData);
        try
        {
            var trainSplit = _r.ValidData is null && _r.HoldoutEvery >= 2 ? WindowSplit.EveryKth(_r.HoldoutEvery, SplitPart.Train) : WindowSplit.All;
            var sampler = new WindowSampler(train, _r.SeqLen, _r.Seed, trainSplit);
            WindowSampler? validSampler = validSet is not null ? new WindowSampler(validSet, _r.SeqLen, _r.Seed)
                : _r.HoldoutEvery >= 2 && train.TotalTokens / _r.SeqLen >= _r.HoldoutEvery ? new WindowSampler(train, _r.SeqLen, _r.Seed, WindowSplit.EveryKth(_r.HoldoutEvery, SplitPart.Validation))
                : null;

            string? tokenizerDir = FindTokenizerDir();
            var probe = CreateProbe(tokenizerDir);
            using var model = CreateModel(train);
            var compute = new Compute(GemmFactory.Create(_r.Gemm, _r.Threads), _r.Threads);
            using var graph = new TrainingGraph(model, _r.MicroBatch, _r.SeqLen, compute);
            using var adam = new AdamW(model.Layout, _r.Adam);
            var rng = new Rng(_r.Seed ^ 0x5EED_0B7EC71EUL);
            var metrics = new MetricsLog(Path.Combine(runDir, "metrics.jsonl"));
            using var labels = _r.Labels is null ? null : SideShardReader<byte>.Open(_r.Labels, train);
            using var refScores = _r.Objective == "slm" ? Selective.ReferenceScores.Open(_r.RefScores!, train, _r.SeqLen) : null;
            ITokenObjective objective = _r.Objective switch
            {
                "slm" => new SlmObjective(refScores!, _r.SelectRatio, _r.SelectScope, labels),
                "random" => new RandomSelectionObjective(rng, _r.SelectRatio, _r.SelectScope, labels),
                "oracle" => new OracleSelectionObjective(rng, _r.SelectRatio, _r.SelectScope, labels ?? throw new SiftException("train.objective=oracle needs data.labels")),
                _ => new ClmObjective(),
            };
            Objective = objective;

            long step = 0, tokens = 0, trained = 0;
            double priorSeconds = 0;
            if (resume && latest is not null)
            {
                var st = CheckpointStore.Restore(latest, model, adam);
                if (st.RecipeSha256 != recipeHash)
                {
                    throw new SiftException($"{latest}: the checkpoint was made with a different recipe; resume with the same recipe and --set values (see {Path.Combine(runDir, "recipe.resolved.yaml")})");
                }
                sampler.Restore(SamplerCursor.FromJson(st.DataCursor, latest));
                rng.State = st.RngState;
                (step, tokens, trained, priorSeconds) = (st.Step, st.Tokens, st.TrainedTokens, st.ElapsedSeconds);
                metrics.TruncateAfter(step);
                _progress.Line($"resumed from {latest} at step {step} ({tokens:N0} tokens)");
            }
            else
            {
                metrics.Reset();
            }
            AtomicFile.WriteAllText(Path.Combine(runDir, "recipe.resolved.yaml"), recipeYaml);
            AtomicFile.WriteAllText(Path.Combine(runDir, "config.json"), model.Config.ToJson());

            int n = _r.MicroBatch * _r.SeqLen;
            var inputs = new int[n];
            var targets = new int[n];
            var weights = new float[n];
            var starts = new long[_r.MicroBatch];
            int stepTokens = n * _r.GradAccum;
            double lastLoss = double.NaN;
            double? lastEval = null;
            JsonObject? lastEvalRecord = null;
            var clock = Stopwatch.StartNew();
            var intervalClock = Stopwatch.StartNew();
            long intervalTokens = 0, startStep = step;
            // Run totals of step time and of the objective's share of it; the values at the last log give the interval's share.
            long stepTicks = 0, objectiveTicks = 0, loggedStepTicks = 0, loggedObjectiveTicks = 0;
            bool stopped = false;

            TrainerState State() => new()
            {
                Step = step,
                Tokens = tokens,
                TrainedTokens = trained,
                AdamStep = adam.Step,
                DataCursor = sampler.Cursor.ToJson(),
                RngState = rng.State,
                ElapsedSeconds = priorSeconds + clock.Elapsed.TotalSeconds,
                RecipeSha256 = recipeHash,
            };
            // Held-out loss on validation windows and, with eval.problems, the problem probe, in one metrics record.
            void EvalNow()
            {
                var record = new JsonObject { ["step"] = step, ["tokens"] = tokens, ["trained_tokens"] = trained };
                if (validSampler is not null)
                {
                    lastEval = Evaluate(graph, validSampler, inputs, targets);
                    record["eval_loss"] = Num(lastEval.Value);
                }
                var sw = Stopwatch.StartNew();
                probe?.Evaluate(model, compute, record);
                if (probe is not null)
                {
                    record["probe_seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 3);
                }
                metrics.Append(record);
                lastEvalRecord = record;
                _progress.Line($"step {step}: " + string.Join(", ", new[] { "eval_loss", "clean_loss", "answer_loss", "accuracy" }
                    .Where(k => record[k] is JsonValue).Select(k => $"{k} {(double)record[k]!:0.0000}")));
            }
            void Checkpoint()
            {
                string dir = store.Save(model, adam, State(), tokenizerDir);
                if (_r.CheckpointKeep > 0)
                {
                    store.Prune(_r.CheckpointKeep);
                }
                _progress.Line($"checkpoint: {dir}");
            }

            while (step < _r.MaxSteps)
            {
                if (cancel.IsCancellationRequested || (StopAfterSteps is long stopAt && step - startStep >= stopAt))
                {
                    stopped = true;
                    break;
                }
                long stepStart = Stopwatch.GetTimestamp();
                graph.ZeroGrad();
                double lossSum = 0;
                int kept = 0;
                for (int a = 0; a < _r.GradAccum; a++)
                {
                    sampler.NextBatch(_r.MicroBatch, inputs, targets, starts);
                    graph.Forward(inputs, targets);
                    foreach (float l in graph.Losses)
                    {
                        lossSum += l;
                    }
                    long objectiveStart = Stopwatch.GetTimestamp();
                    kept += objective.ComputeWeights(new MicroBatch(graph.Losses, targets, starts, _r.SeqLen, stepTokens), weights);
                    objectiveTicks += Stopwatch.GetTimestamp() - objectiveStart;
                    graph.Backward(weights);
                }
                double loss = lossSum / stepTokens;
                double norm = GradientClipping.ClipGlobalNorm(graph.Grads, _r.GradClip, _r.Threads);
                if (!double.IsFinite(loss) || !double.IsFinite(norm))
                {
                    metrics.Append(new JsonObject { ["step"] = step + 1, ["tokens"] = tokens, ["loss"] = Num(loss), ["grad_norm"] = Num(norm), ["error"] = "non-finite" });
                    string last = store.Latest() ?? "(none yet)";
                    throw new SiftException($"training stopped at step {step + 1}: the {(double.IsFinite(loss) ? "gradient norm" : "loss")} is {(double.IsFinite(loss) ? norm : loss)}. " +
                        $"Try a lower optim.lr or optim.grad_clip. The last good checkpoint is kept: {last}");
                }
                float lr = _r.Schedule.At(step);
                adam.Update(model.Weights, graph.Grads, lr, _r.Threads);
                stepTicks += Stopwatch.GetTimestamp() - stepStart;
                step++;
                tokens += stepTokens;
                trained += kept;
                intervalTokens += stepTokens;
                lastLoss = loss;

                if (step % _r.LogInterval == 0 || step == _r.MaxSteps)
                {
                    double tps = intervalTokens / Math.Max(1e-9, intervalClock.Elapsed.TotalSeconds);
                    var record = new JsonObject
                    {
                        ["step"] = step,
                        ["tokens"] = tokens,
                        ["trained_tokens"] = trained,
                        ["loss"] = Num(loss),
                        ["lr"] = lr,
                        ["grad_norm"] = Num(norm),
                        ["tokens_per_s"] = Math.Round(tps, 1),
                        ["elapsed_s"] = Math.Round(priorSeconds + clock.Elapsed.TotalSeconds, 3),
                        // Share of the interval's step time spent choosing the per-token weights (selection's cost).
                        ["objective_share"] = stepTicks > loggedStepTicks ? Math.Round((double)(objectiveTicks - loggedObjectiveTicks) / (stepTicks - loggedStepTicks), 5) : null,
                    };
                    (objective as IObjectiveMetrics)?.WriteMetrics(record);
                    metrics.Append(record);
                    intervalClock.Restart();
                    intervalTokens = 0;
                    (loggedStepTicks, loggedObjectiveTicks) = (stepTicks, objectiveTicks);
                    _progress.Report("train", step, _r.MaxSteps, $"loss {loss:0.0000} lr {lr:0.0e0} {tps / 1000:0.0}k tok/s");
                }
                if ((validSampler is not null || probe is not null) && _r.EvalInterval > 0 && step % _r.EvalInterval == 0 && step != _r.MaxSteps)
                {
                    EvalNow();
                }
                if (_r.CheckpointInterval > 0 && step % _r.CheckpointInterval == 0 && step != _r.MaxSteps)
                {
                    Checkpoint();
                }
            }
            _progress.Done();
            if (!stopped && (validSampler is not null || probe is not null))
            {
                EvalNow();
            }
            if (step > startStep || latest is null)
            {
                Checkpoint();
            }
            string modelDir = Path.Combine(runDir, "model");
            if (!stopped)
            {
                HfModelFolder.Save(model, modelDir);
                CopyTokenizer(tokenizerDir, modelDir);
            }
            WriteLossChart(runDir, metrics);
            double seconds = clock.Elapsed.TotalSeconds;
            return new TrainSummary(runDir, modelDir, step, tokens, lastLoss, lastEval, (step - startStep) * (double)stepTokens / Math.Max(1e-9, seconds), priorSeconds + seconds, stopped)
            {
                FinalEval = lastEvalRecord,
                TrainedTokens = trained,
                StepSeconds = (double)stepTicks / Stopwatch.Frequency,
                ObjectiveSeconds = (double)objectiveTicks / Stopwatch.Frequency,
            };
        }
        finally
        {
            validSet?.Dispose();
        }
    }

    private ProblemProbe? CreateProbe(string? tokenizerDir)
    {
        if (_r.EvalProblems is null)
        {
            return null;
        }
        if (tokenizerDir is null)
        {
            throw new SiftException($"eval.problems: judging problems needs a tokenizer; set `tokenizer:` or train on data packed with its tokenizer.json");
        }
        var problems = ProblemProbe.Load(_r.EvalProblems);
        var tok = Sift.Text.TokenizerFactory.Load(tokenizerDir);
        return new ProblemProbe(problems, tok, new ProblemProbeOptions(_r.EvalAccuracyProblems, _r.EvalMaxNewTokens));
    }

    private LlamaModel CreateModel(TokenDataset train)
    {
        LlamaModel model;
        if (_r.InitFrom is not null)
        {
            model = HfModelFolder.Load(_r.InitFrom);
            if (_r.SeqLen > model.Config.MaxPositionEmbeddings)
            {
                model.Dispose();
                throw new SiftException($"train.seq_len {_r.SeqLen} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}");
            }
        }
        else
        {
            model = new LlamaModel(_r.ResolveModelConfig(train.VocabSize, train.EosId));
            model.InitRandom(_r.Seed);
        }
        if (model.Config.VocabSize < train.VocabSize)
        {
            int v = model.Config.VocabSize;
            model.Dispose();
            throw new SiftException($"{_r.TrainData}: the data's vocabulary ({train.VocabSize}) is larger than the model's vocab_size ({v})");
        }
        return model;
    }

    private double Evaluate(TrainingGraph graph, WindowSampler valid, int[] inputs, int[] targets)
    {
        // Always the same windows, so evaluations at different steps compare like with like.
        double sum = 0;
        long count = 0;
        long windows = Math.Min(valid.WindowCount, (long)_r.EvalBatches * _r.MicroBatch);
        int T = _r.SeqLen;
        for (long w0 = 0; w0 < windows; w0 += _r.MicroBatch)
        {
            for (int b = 0; b < _r.MicroBatch; b++)
            {
                long w = (w0 + b) % valid.WindowCount;
                valid.ReadWindow(w, inputs.AsSpan(b * T, T), targets.AsSpan(b * T, T));
            }
            graph.Forward(inputs, targets, forBackward: false);
            int rows = (int)Math.Min(_r.MicroBatch, windows - w0) * T;
            for (int i = 0; i < rows; i++)
            {
                sum += graph.Losses[i];
            }
            count += rows;
        }
        return sum / Math.Max(1, count);
    }

    private string? FindTokenizerDir()
    {
        if (_r.Tokenizer is not null)
        {
            string dir = File.Exists(_r.Tokenizer) ? Path.GetDirectoryName(Path.GetFullPath(_r.Tokenizer))! : _r.Tokenizer;
            if (!File.Exists(Path.Combine(dir, "tokenizer.json")))
            {
                throw new SiftException($"tokenizer: {_r.Tokenizer}: no tokenizer.json there");
            }
            return dir;
        }
        if (_r.InitFrom is not null && File.Exists(Path.Combine(_r.InitFrom, "tokenizer.json")))
        {
            return _r.InitFrom;
        }
        return File.Exists(Path.Combine(_r.TrainData, "tokenizer.json")) ? _r.TrainData : null;
    }

    private static void CopyTokenizer(string? from, string to)
    {
        if (from is null)
        {
            return;
        }
        foreach (string f in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            if (File.Exists(Path.Combine(from, f)))
            {
                File.Copy(Path.Combine(from, f), Path.Combine(to, f), overwrite: true);
            }
        }
    }

    private static void WriteLossChart(string runDir, MetricsLog metrics)
    {
        var records = metrics.ReadAll();
        var train = records.Where(r => r["loss"] is not null && r["tokens"] is not null)
            .Select(r => ((double)r["tokens"]!, (double)r["loss"]!)).ToList();
        List<(double, double)> Points(string key) => records.Where(r => r[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number)
            .Select(r => ((double)r["tokens"]!, (double)r[key]!)).ToList();
        var eval = Points("eval_loss");
        var clean = Points("clean_loss");
        var answer = Points("answer_loss");
        var chart = new SvgLineChart { Title = "Training loss", XLabel = "tokens processed", YLabel = "loss (nats/token)" };
        var series = new List<ChartSeries> { new("train", train) };
        if (eval.Count > 0)
        {
            series.Add(new ChartSeries("validation", eval, Dashed: true));
        }
        if (clean.Count > 0)
        {
            series.Add(new ChartSeries("held-out problems", clean, Dashed: true));
            series.Add(new ChartSeries("answer tokens", answer, Dashed: true));
        }
        AtomicFile.WriteAllText(Path.Combine(runDir, "loss.svg"), chart.Render(series));
        var acc = Points("accuracy");
        if (acc.Count > 0)
        {
            var tiers = records.Where(r => r["tiers"] is JsonObject).SelectMany(r => ((JsonObject)r["tiers"]!).Select(kv => kv.Key)).Distinct().Order(StringComparer.Ordinal);
            var accSeries = new List<ChartSeries> { new("all", acc) };
            foreach (string t in tiers)
            {
                accSeries.Add(new ChartSeries(t, records.Where(r => r["tiers"]?[t]?["accuracy"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                    .Select(r => ((double)r["tokens"]!, (double)r["tiers"]![t]!["accuracy"]!)).ToList(), Dashed: true));
            }
            var accChart = new SvgLineChart { Title = "Held-out accuracy (greedy, exact answer)", XLabel = "tokens processed", YLabel = "accuracy" };
            AtomicFile.WriteAllText(Path.Combine(runDir, "accuracy.svg"), accChart.Render(accSeries));
        }
    }

    private static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : JsonValue.Create(v.ToString(CultureInfo.InvariantCulture));
}
