using System.Diagnostics;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Data.Examples;
using Sift.Engine.Model;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Training.FineTuning;

/// <summary>What one optimizer step over examples did.</summary>
/// <param name="Loss">The objective's loss for the step (SFT: mean completion NLL; DPO/IPO/KTO: mean over examples).</param>
/// <param name="Kept">Tokens with a non-zero backward weight.</param>
/// <param name="ObjectiveTicks">Stopwatch ticks spent computing weights.</param>
internal readonly record struct ExampleStepResult(double Loss, int Kept, long ObjectiveTicks);

/// <summary>
/// The example side of a training run (train.objective sft, dpo, ipo, kto): the example samplers, the reference
/// log-probs, the objective, and the step's micro-batches. A step samples all its micro-batches first, so SFT can divide
/// by the completion tokens of the whole step (TRL's num_items_in_batch); then each micro-batch runs (for KTO first a
/// no-gradient forward of its KL rows), gets its weights and is backpropagated. Buffers are allocated once.
/// </summary>
internal sealed class ExampleTraining
{
    private readonly TrainRecipe _r;
    private readonly ExampleSampler _sampler;
    private readonly ExampleSampler? _valid;
    private readonly ReferenceLogProbs? _reference;
    private readonly int[][] _inputs, _targets, _positions, _auxInputs, _auxTargets;
    private readonly ExampleRow[][] _rows, _auxRows;
    private readonly float[] _auxLosses;
    private readonly (int Positive, int Negative)? _labelIds;

    /// <summary>Opens the samplers and the reference log-probs (computing them with <paramref name="graph"/>'s still-initial model when needed).</summary>
    public ExampleTraining(TrainRecipe r, ExampleSet train, ExampleSet? valid, string runDir, TrainingGraph graph, IProgressReporter progress)
    {
        _r = r;
        var spec = r.Objective;
        var kind = spec.Examples ?? throw new InvalidOperationException($"{spec.Name} is not an example objective");
        if (train.Kind != kind)
        {
            throw new SiftException($"data.train: {train.Folder} holds {train.Kind.Name()} examples; train.objective={spec.Name} trains on {kind.Name()} examples " +
                $"(`sift data pack --format {kind.Name()}`)");
        }
        if (valid is not null && valid.Kind != kind)
        {
            throw new SiftException($"data.valid: {valid.Folder} holds {valid.Kind.Name()} examples; train.objective={spec.Name} needs {kind.Name()} examples");
        }
        var split = valid is null && r.HoldoutEvery >= 2 && train.Count >= r.HoldoutEvery ? WindowSplit.EveryKth(r.HoldoutEvery, SplitPart.Train) : WindowSplit.All;
        _sampler = new ExampleSampler(train, r.SeqLen, r.Seed, split, r.FineTune.Pack);
        if (r.MicroBatch % _sampler.RowsPerExample != 0)
        {
            throw new SiftException($"train.micro_batch {r.MicroBatch}: {spec.Name} puts chosen and rejected in adjacent rows, so it must be even");
        }
        // Validation runs one example per row (the same losses as packed rows, and no example counted twice).
        _valid = valid is not null ? new ExampleSampler(valid, r.SeqLen, r.Seed, WindowSplit.All)
            : split != WindowSplit.All ? new ExampleSampler(train, r.SeqLen, r.Seed, WindowSplit.EveryKth(r.HoldoutEvery, SplitPart.Validation))
            : null;
        if (kind is ExampleKind.Pairs or ExampleKind.Kto)
        {
            _reference = r.RefScores is not null
                ? ReferenceLogProbs.FromScores(r.RefScores, train)
                : ReferenceLogProbs.ComputeOrLoad(runDir, train, graph, (d, n) => progress.Report("reference log-probs", d, n, $"{d:N0}/{n:N0} documents"));
            progress.Done();
            progress.Line($"reference log-probs: {_reference.Source}");
        }
        Objective = spec.CreateForExamples!(new ExampleObjectiveContext(r, r.FineTune, train.Manifest.LabelIds));
        if (kind.IsStepLabelled())
        {
            if (valid is not null && !valid.Manifest.LabelIds!.SequenceEqual(train.Manifest.LabelIds!))
            {
                throw new SiftException($"data.valid: {valid.Folder} has label ids [{string.Join(", ", valid.Manifest.LabelIds!)}], data.train [{string.Join(", ", train.Manifest.LabelIds!)}]; pack both with the same tokenizer and --rm-format");
            }
            _labelIds = (train.Manifest.LabelIds![0], train.Manifest.LabelIds[1]);
        }
        int n = r.MicroBatch * r.SeqLen, ga = r.GradAccum;
        (_inputs, _targets, _positions) = (Jagged<int>(ga, n), Jagged<int>(ga, n), Jagged<int>(ga, n));
        _rows = Jagged<ExampleRow>(ga, r.MicroBatch);
        bool aux = _sampler.HasAuxRows;
        (_auxInputs, _auxTargets, _auxRows) = (Jagged<int>(ga, aux ? n : 0), Jagged<int>(ga, aux ? n : 0), Jagged<ExampleRow>(ga, aux ? r.MicroBatch : 0));
        _auxLosses = new float[aux ? n : 0];
    }

    /// <summary>The objective (for its metrics).</summary>
    public IExampleObjective Objective { get; }

    /// <summary>True when a validation split or set exists.</summary>
    public bool HasValidation => _valid is not null;

    /// <summary>The sampler's position, for checkpoints.</summary>
    public SamplerCursor Cursor => _sampler.Cursor;

    /// <summary>Continues from a checkpoint's cursor.</summary>
    public void Restore(SamplerCursor cursor) => _sampler.Restore(cursor);

    /// <summary>One optimizer step's forwards, weights and backwards (gradients accumulate in <paramref name="graph"/>).</summary>
    public ExampleStepResult Step(TrainingGraph graph, Span<float> weights)
    {
        int ga = _r.GradAccum, B = _r.MicroBatch;
        long stepTargets = 0, stepExamples = 0;
        for (int a = 0; a < ga; a++)
        {
            _sampler.NextBatch(B, Spans(a));
            foreach (int t in _targets[a])
            {
                stepTargets += t != ExampleSampler.IgnoreTarget ? 1 : 0;
            }
            foreach (var row in _rows[a])
            {
                stepExamples += row.Example >= 0 && row.Slot == 0 ? 1 : 0;
            }
        }
        double loss = 0;
        int kept = 0;
        long objectiveTicks = 0;
        for (int a = 0; a < ga; a++)
        {
            if (_sampler.HasAuxRows)
            {
                graph.Forward(_auxInputs[a], _auxTargets[a], forBackward: false);
                graph.Losses.CopyTo(_auxLosses, 0);
            }
            graph.Forward(_inputs[a], _targets[a], forBackward: true, _sampler.Packed ? _positions[a] : default);
            long t0 = Stopwatch.GetTimestamp();
            // Reward-model objectives read the {+, −} outputs at their labelled rows (probabilities after a training forward).
            var outputs = _labelIds is not null ? graph.Logits : default;
            var share = Objective.ComputeWeights(new ExampleBatch(graph.Losses, _targets[a], _rows[a], _auxLosses, _auxTargets[a], _auxRows[a],
                _r.SeqLen, stepTargets, stepExamples, _reference, outputs, outputs.Length / Math.Max(1, _targets[a].Length)), weights);
            objectiveTicks += Stopwatch.GetTimestamp() - t0;
            graph.Backward(weights);
            loss += share.Loss;
            kept += share.Kept;
        }
        return new ExampleStepResult(loss, kept, objectiveTicks);
    }

    /// <summary>prm/orm: held-out step accuracy ({+, −} argmax) of the last <see cref="ValidationLoss"/>, else null.</summary>
    public double? ValidationStepAccuracy { get; private set; }

    /// <summary>
    /// Mean loss per completion token over the first <paramref name="batches"/> micro-batches of held-out examples
    /// (always the same ones), or null without a validation split.
    /// </summary>
    public double? ValidationLoss(TrainingGraph graph, int batches)
    {
        if (_valid is null)
        {
            return null;
        }
        double sum = 0;
        long count = 0, first = 0;
        var accuracy = new Metrics.StepLabelMetrics();
        for (int k = 0; k < batches && first < _valid.ExampleCount; k++)
        {
            int taken = _valid.ReadBatch(first, _r.MicroBatch, Spans(0));
            // The last batch may wrap to the start: score only the examples not yet seen.
            int rowsFresh = (int)Math.Min(taken, _valid.ExampleCount - first) * _valid.RowsPerExample;
            first += taken;
            graph.Forward(_inputs[0], _targets[0], forBackward: false);
            for (int i = 0; i < rowsFresh * _r.SeqLen; i++)
            {
                int target = _targets[0][i];
                if (target != ExampleSampler.IgnoreTarget)
                {
                    sum += graph.Losses[i];
                    count++;
                    if (_labelIds is { } ids)
                    {
                        accuracy.Add(target == ids.Positive, StepLabelObjective.PredictsPositive(graph.Logits, graph.Logits.Length / _targets[0].Length, i, ids.Positive, ids.Negative));
                    }
                }
            }
        }
        ValidationStepAccuracy = _labelIds is null ? null : accuracy.Accuracy;
        return sum / Math.Max(1, count);
    }

    private ExampleBatchSpans Spans(int a) => new()
    {
        Inputs = _inputs[a],
        Targets = _targets[a],
        Positions = _positions[a],
        Rows = _rows[a],
        AuxInputs = _auxInputs[a],
        AuxTargets = _auxTargets[a],
        AuxRows = _auxRows[a],
    };

    private static T[][] Jagged<T>(int outer, int inner) => [.. Enumerable.Range(0, outer).Select(_ => new T[inner])];
}
