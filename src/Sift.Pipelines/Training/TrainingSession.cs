using System.Diagnostics;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Random;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Data.Examples;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Engine.Optim;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Training.FineTuning;
using Sift.Pipelines.Training.Metrics;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Training;

/// <summary>
/// One invocation of a training run: everything opened for it (data, model, graph, optimizer, objective, probe),
/// the counters that checkpoints save, and the steps of the run as methods (start or restore, the step loop,
/// evaluation, checkpoints, finish). Buffers are allocated once; the step loop allocates nothing.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private readonly TrainRecipe _r;
    private readonly string _runDir;
    private readonly CheckpointStore _store;
    private readonly IProgressReporter _progress;
    private readonly List<IDisposable> _owned = [];

    private readonly WindowSampler? _sampler;
    private readonly ExampleTraining? _examples;
    private readonly GradientMask? _gradientMask;
    private readonly WindowSampler? _validSampler;
    private readonly string? _tokenizerDir;
    private readonly ProblemProbe? _probe;
    private readonly LlamaModel _model;
    private readonly Compute _compute;
    private readonly TrainingGraph _graph;
    private readonly AdamW _adam;
    private readonly Rng _rng;
    private readonly MetricsLog _metrics;
    private readonly ITokenObjective? _objective;
    private readonly string _fingerprint;

    // Step buffers, declared once.
    private readonly int[] _inputs, _targets;
    private readonly float[] _weights;
    private readonly long[] _starts;

    // What a checkpoint saves.
    private long _step, _tokens, _trained;
    private double _priorSeconds;
    private long _startStep;

    // Timing: run totals of step and objective time; the values at the last log give the interval's share.
    private readonly Stopwatch _clock = new();
    private readonly Stopwatch _intervalClock = new();
    private long _intervalTokens, _stepTicks, _objectiveTicks, _loggedStepTicks, _loggedObjectiveTicks;
    private double _lastLoss = double.NaN;
    private double? _lastEval;
    private MetricsLine? _lastEvalRecord;

    private TrainingSession(TrainRecipe r, string runDir, CheckpointStore store, IProgressReporter progress)
    {
        _r = r;
        _runDir = runDir;
        _store = store;
        _progress = progress;
        try
        {
            bool examples = r.Objective.Examples is not null;
            var trainExamples = examples ? Own(ExampleSet.Open(r.TrainData)) : null;
            var train = trainExamples?.Tokens ?? Own(TokenDataset.Open(r.TrainData));
            if (!examples)
            {
                TokenDataset? valid = r.ValidData is null ? null : Own(TokenDataset.Open(r.ValidData));
                (_sampler, _validSampler) = Samplers(train, valid);
            }
            _tokenizerDir = FindTokenizerDir();
            _probe = CreateProbe(_tokenizerDir);
            _model = Own(CreateModel(train));
            _compute = GemmFactory.CreateCompute(r.Gemm, r.Threads, r.Precision);
            _graph = Own(new TrainingGraph(_model, r.MicroBatch, r.SeqLen, _compute));
            _adam = Own(new AdamW(_model.Layout, r.Adam));
            _rng = new Rng(r.Seed ^ 0x5EED_0B7EC71EUL);
            _metrics = new MetricsLog(Path.Combine(runDir, "metrics.jsonl"));
            if (trainExamples is not null)
            {
                var validExamples = r.ValidData is null ? null : Own(ExampleSet.Open(r.ValidData));
                _examples = new ExampleTraining(r, trainExamples, validExamples, runDir, _graph, progress);
            }
            else
            {
                _objective = CreateObjective(train);
            }
            _gradientMask = r.GradientMask.Percentile > 0 ? new GradientMask(_model.Layout) : null;
            _fingerprint = r.Fingerprint();
            int n = r.MicroBatch * r.SeqLen;
            (_inputs, _targets, _weights, _starts) = (new int[n], new int[n], new float[n], new long[r.MicroBatch]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Opens everything a run needs.</summary>
    public static TrainingSession Open(TrainRecipe recipe, string runDir, CheckpointStore store, IProgressReporter progress) =>
        new(recipe, runDir, store, progress);

    private bool HasEvaluation => _validSampler is not null || _probe is not null || _examples is { HasValidation: true };

    private int StepTokens => _r.MicroBatch * _r.SeqLen * _r.GradAccum;

    /// <summary>A new run: an empty metrics log.</summary>
    public void StartFresh() => _metrics.Reset();

    /// <summary>Continues from a checkpoint made with the same recipe (compared key by key).</summary>
    public void Restore(string checkpoint)
    {
        var st = CheckpointStore.Restore(checkpoint, _model, _adam);
        CheckSameRecipe(checkpoint, st);
        var cursor = SamplerCursor.FromJson(st.DataCursor, checkpoint);
        if (_examples is not null)
        {
            _examples.Restore(cursor);
        }
        else
        {
            _sampler!.Restore(cursor);
        }
        _rng.State = st.RngState;
        (_step, _tokens, _trained, _priorSeconds) = (st.Step, st.Tokens, st.TrainedTokens, st.ElapsedSeconds);
        _metrics.TruncateAfter(_step);
        _progress.Line($"resumed from {checkpoint} at step {_step} ({_tokens:N0} tokens)");
    }

    /// <summary>recipe.resolved.yaml and config.json in the run folder.</summary>
    public void WriteRunFiles()
    {
        AtomicFile.WriteAllText(Path.Combine(_runDir, "recipe.resolved.yaml"), _r.ToYaml());
        AtomicFile.WriteAllText(Path.Combine(_runDir, "config.json"), _model.Config.ToJson());
    }

    /// <summary>The step loop with its logging, evaluations and checkpoints; returns true when stopped before the last step.</summary>
    public bool RunSteps(long? stopAfter, CancellationToken cancel)
    {
        _startStep = _step;
        _clock.Start();
        _intervalClock.Start();
        while (_step < _r.MaxSteps)
        {
            if (cancel.IsCancellationRequested || (stopAfter is long stopAt && _step - _startStep >= stopAt))
            {
                return true;
            }
            var (loss, norm, lr) = Step();
            if (_step % _r.LogInterval == 0 || _step == _r.MaxSteps)
            {
                LogTraining(loss, norm, lr);
            }
            bool last = _step == _r.MaxSteps;
            if (HasEvaluation && _r.EvalInterval > 0 && _step % _r.EvalInterval == 0 && !last)
            {
                Evaluate();
            }
            if (_r.CheckpointInterval > 0 && _step % _r.CheckpointInterval == 0 && !last)
            {
                Checkpoint();
            }
        }
        return false;
    }

    /// <summary>The final evaluation, checkpoint, model folder and charts.</summary>
    public TrainSummary Finish(bool stopped, bool firstInvocation)
    {
        _progress.Done();
        if (!stopped && HasEvaluation)
        {
            Evaluate(final: true);
            // What the final model wrote for each decoded problem, to read its mistakes.
            _probe?.WriteCompletions(Path.Combine(_runDir, "eval-completions.jsonl"));
        }
        if (_step > _startStep || firstInvocation)
        {
            Checkpoint();
        }
        string modelDir = Path.Combine(_runDir, "model");
        if (!stopped)
        {
            HfModelFolder.Save(_model, modelDir);
            CopyTokenizer(_tokenizerDir, modelDir);
        }
        RunCharts.Write(_runDir, _metrics.ReadAll());
        double seconds = _clock.Elapsed.TotalSeconds;
        return new TrainSummary(_runDir, modelDir, _step, _tokens, _lastLoss, _lastEval, (_step - _startStep) * (double)StepTokens / Math.Max(1e-9, seconds), _priorSeconds + seconds, stopped)
        {
            FinalEval = _lastEvalRecord,
            TrainedTokens = _trained,
            StepSeconds = (double)_stepTicks / Stopwatch.Frequency,
            ObjectiveSeconds = (double)_objectiveTicks / Stopwatch.Frequency,
        };
    }

    // One optimizer step: micro-batches of forward, objective weights and backward; clip; AdamW.
    private (double Loss, double Norm, float Lr) Step()
    {
        long stepStart = Stopwatch.GetTimestamp();
        _graph.ZeroGrad();
        double lossSum = 0;
        int kept = 0;
        double? exampleLoss = null; // example objectives report their own loss (a mean over completion tokens or examples)
        if (_examples is not null)
        {
            var s = _examples.Step(_graph, _weights);
            (exampleLoss, kept) = (s.Loss, s.Kept);
            _objectiveTicks += s.ObjectiveTicks;
        }
        for (int a = 0; a < _r.GradAccum && _examples is null; a++)
        {
            _sampler!.NextBatch(_r.MicroBatch, _inputs, _targets, _starts);
            _graph.Forward(_inputs, _targets);
            foreach (float l in _graph.Losses)
            {
                lossSum += l;
            }
            long objectiveStart = Stopwatch.GetTimestamp();
            kept += _objective!.ComputeWeights(new MicroBatch(_graph.Losses, _targets, _starts, _r.SeqLen, StepTokens), _weights);
            _objectiveTicks += Stopwatch.GetTimestamp() - objectiveStart;
            _graph.Backward(_weights);
        }
        double loss = exampleLoss ?? lossSum / StepTokens;
        _gradientMask?.Apply(_graph.Grads, _r.GradientMask.At(_step, _r.MaxSteps), _r.Threads);
        double norm = GradientClipping.ClipGlobalNorm(_graph.Grads, _r.GradClip, _r.Threads);
        if (!double.IsFinite(loss) || !double.IsFinite(norm))
        {
            StopOnNonFinite(loss, norm);
        }
        float lr = _r.Schedule.At(_step);
        _adam.Update(_model.Weights, _graph.Grads, lr, _r.Threads);
        _stepTicks += Stopwatch.GetTimestamp() - stepStart;
        _step++;
        _tokens += StepTokens;
        _trained += kept;
        _intervalTokens += StepTokens;
        _lastLoss = loss;
        return (loss, norm, lr);
    }

    private void StopOnNonFinite(double loss, double norm)
    {
        _metrics.Append(new MetricsLine { Step = _step + 1, Tokens = _tokens, Loss = MetricsLog.Round(loss), GradNorm = MetricsLog.Round(norm), Error = "non-finite" });
        string last = _store.Latest() ?? "(none yet)";
        throw new SiftException($"training stopped at step {_step + 1}: the {(double.IsFinite(loss) ? "gradient norm" : "loss")} is {(double.IsFinite(loss) ? norm : loss)}. " +
            $"Try a lower optim.lr or optim.grad_clip. The last good checkpoint is kept: {last}");
    }

    private void LogTraining(double loss, double norm, float lr)
    {
        double tps = _intervalTokens / Math.Max(1e-9, _intervalClock.Elapsed.TotalSeconds);
        var line = new MetricsLine
        {
            Step = _step,
            Tokens = _tokens,
            TrainedTokens = _trained,
            Loss = MetricsLog.Round(loss),
            Lr = lr,
            GradNorm = MetricsLog.Round(norm),
            TokensPerSecond = Math.Round(tps, 1),
            ElapsedSeconds = Math.Round(_priorSeconds + _clock.Elapsed.TotalSeconds, 3),
            // Share of the interval's step time spent choosing the per-token weights (selection's cost).
            ObjectiveShare = _stepTicks > _loggedStepTicks ? Math.Round((double)(_objectiveTicks - _loggedObjectiveTicks) / (_stepTicks - _loggedStepTicks), 5) : null,
        };
        if ((_objective as IObjectiveMetrics ?? _examples?.Objective as IObjectiveMetrics) is { } om)
        {
            line = om.AddTo(line);
        }
        _metrics.Append(line);
        _intervalClock.Restart();
        _intervalTokens = 0;
        (_loggedStepTicks, _loggedObjectiveTicks) = (_stepTicks, _objectiveTicks);
        _progress.Report("train", _step, _r.MaxSteps, $"loss {loss:0.0000} lr {lr:0.0e0} {tps / 1000:0.0}k tok/s");
    }

    // Held-out loss on validation windows and, with eval.problems, the problem probe, in one metrics record.
    private void Evaluate(bool final = false)
    {
        var line = new MetricsLine { Step = _step, Tokens = _tokens, TrainedTokens = _trained };
        if (_validSampler is not null || _examples is { HasValidation: true })
        {
            _lastEval = _examples?.ValidationLoss(_graph, _r.EvalBatches) ?? ValidationLoss(_validSampler!);
            line = line with { EvalLoss = MetricsLog.Round(_lastEval.Value) };
            if (_examples?.ValidationStepAccuracy is double acc)
            {
                line = line with { EvalStepAccuracy = MetricsLog.Round(acc) };
            }
        }
        if (_probe is not null)
        {
            var sw = Stopwatch.StartNew();
            line = _probe.Evaluate(_model, _compute, final).AddTo(line) with { ProbeSeconds = Math.Round(sw.Elapsed.TotalSeconds, 3) };
        }
        _metrics.Append(line);
        _lastEvalRecord = line;
        var shown = new (string Name, double? Value)[] { ("eval_loss", line.EvalLoss), ("clean_loss", line.CleanLoss), ("answer_loss", line.AnswerLoss), ("accuracy", line.Accuracy), ("step_accuracy", line.EvalStepAccuracy) };
        _progress.Line($"step {_step}: " + string.Join(", ", shown.Where(x => x.Value is not null).Select(x => $"{x.Name} {x.Value:0.0000}")));
    }

    private void Checkpoint()
    {
        string dir = _store.Save(_model, _adam, State(), _tokenizerDir);
        if (_r.CheckpointKeep > 0)
        {
            _store.Prune(_r.CheckpointKeep);
        }
        _progress.Line($"checkpoint: {dir}");
    }

    private TrainerState State() => new()
    {
        Step = _step,
        Tokens = _tokens,
        TrainedTokens = _trained,
        AdamStep = _adam.Step,
        DataCursor = (_examples?.Cursor ?? _sampler!.Cursor).ToJson(),
        RngState = _rng.State,
        ElapsedSeconds = _priorSeconds + _clock.Elapsed.TotalSeconds,
        RecipeSha256 = _fingerprint,
        Recipe = _r.ResumeValues(),
    };

    private void CheckSameRecipe(string checkpoint, TrainerState st)
    {
        if (st.Recipe is null)
        {
            if (st.RecipeSha256 != _fingerprint)
            {
                throw new SiftException($"{checkpoint}: the checkpoint was made with a different recipe or by an earlier version of Sift; resume with the same recipe and --set values (see {Path.Combine(_runDir, "recipe.resolved.yaml")})");
            }
            return;
        }
        var now = _r.ResumeValues();
        var diffs = st.Recipe.Keys.Union(now.Keys).Order(StringComparer.Ordinal)
            .Where(k => st.Recipe.GetValueOrDefault(k) != now.GetValueOrDefault(k))
            .Select(k => $"{k}: {st.Recipe.GetValueOrDefault(k) ?? "unset"} in the checkpoint, {now.GetValueOrDefault(k) ?? "unset"} now").ToList();
        if (diffs.Count > 0)
        {
            throw new SiftException($"{checkpoint}: the checkpoint was made with a different recipe ({string.Join("; ", diffs)}); resume with the same recipe and --set values (see {Path.Combine(_runDir, "recipe.resolved.yaml")})");
        }
    }

    private (WindowSampler Train, WindowSampler? Valid) Samplers(TokenDataset train, TokenDataset? valid)
    {
        var split = valid is null && _r.HoldoutEvery >= 2 ? WindowSplit.EveryKth(_r.HoldoutEvery, SplitPart.Train) : WindowSplit.All;
        var sampler = new WindowSampler(train, _r.SeqLen, _r.Seed, split);
        WindowSampler? v = valid is not null ? new WindowSampler(valid, _r.SeqLen, _r.Seed)
            : _r.HoldoutEvery >= 2 && train.TotalTokens / _r.SeqLen >= _r.HoldoutEvery ? new WindowSampler(train, _r.SeqLen, _r.Seed, WindowSplit.EveryKth(_r.HoldoutEvery, SplitPart.Validation))
            : null;
        return (sampler, v);
    }

    private ITokenObjective CreateObjective(TokenDataset train)
    {
        var spec = _r.Objective;
        var labels = _r.Labels is null ? null : Own(SideShardReader<byte>.Open(_r.Labels, train));
        var scores = spec.Needs.HasFlag(ObjectiveNeeds.ReferenceScores) ? Own(ReferenceScores.Open(_r.RefScores!, train, _r.SeqLen)) : null;
        return spec.Create(new ObjectiveContext(_r, _rng, labels, scores));
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
        return new ProblemProbe(problems, tok, new ProblemProbeOptions(_r.EvalAccuracyProblems, _r.EvalMaxNewTokens, FinalAccuracyProblems: _r.EvalFinalAccuracyProblems));
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

    private double ValidationLoss(WindowSampler valid)
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
                valid.ReadWindow(w, _inputs.AsSpan(b * T, T), _targets.AsSpan(b * T, T));
            }
            _graph.Forward(_inputs, _targets, forBackward: false);
            int rows = (int)Math.Min(_r.MicroBatch, windows - w0) * T;
            for (int i = 0; i < rows; i++)
            {
                sum += _graph.Losses[i];
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

    private T Own<T>(T d) where T : IDisposable
    {
        _owned.Add(d);
        return d;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        _owned.Clear();
    }
}
