using System.Globalization;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Data.Examples;
using Sift.Engine.Model;
using Sift.Inference;
using Sift.Pipelines.Training;
using Sift.Rewards.Scoring;
using Sift.Rewards.Steps;
using Sift.Rewards.Training;
using Sift.Text;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>Which verifier.</summary>
internal enum VerifierKind
{
    /// <summary>Process reward model: a probability per step, from Monte-Carlo step labels; the solution's score is its weakest step.</summary>
    Prm,

    /// <summary>Outcome reward model: one probability per solution, from its final answer's correctness.</summary>
    Orm,
}

/// <summary>
/// The verifiers' formats, training and scoring, through the reward-model libraries: data are packed with the scorer's own
/// prompt builders (<see cref="RmExampleEncoder"/>, <c>sift data pack --format prm|orm</c>), trained with
/// <c>train.objective: prm|orm</c> from the solver's weights (Math-Shepherd and RLHFlow start their PRMs from an LM), and
/// read back by <see cref="LocalStepScorer"/> exactly as <c>sift rm score</c> reads a checkpoint.
/// The PRM uses Math-Shepherd's layout (steps are the solution's lines, each ending with the tag "ки", label + or −);
/// the ORM the same tag once, after the whole solution.
/// </summary>
internal static class VerifierTraining
{
    /// <summary>Steps of a solution are its lines (the solver writes one step per line).</summary>
    public const string StepSeparator = "\n";

    /// <summary>"prm" / "orm": the objective and stage name.</summary>
    public static string Name(VerifierKind k) => k == VerifierKind.Prm ? "prm" : "orm";

    /// <summary>The pack options of a verifier.</summary>
    public static RmPackOptions PackOptions(VerifierKind k) => k == VerifierKind.Prm
        ? new RmPackOptions(ExampleKind.Prm, RmFormat.MathShepherd)
        : new RmPackOptions(ExampleKind.Orm, RmFormat.Tagged, StepTag: StepSplitter.ShepherdTag);

    /// <summary>The scorer's format of a verifier (the packed prompts, built from a question and a completion).</summary>
    public static RmFormatOptions ScoreFormat(VerifierKind k) => k == VerifierKind.Prm
        ? new RmFormatOptions(RmFormat.MathShepherd, Split: StepSeparator)
        : new RmFormatOptions(RmFormat.Tagged, Split: RmExampleEncoder.WholeSolution, StepTag: StepSplitter.ShepherdTag, Good: "+", Bad: "-");

    /// <summary>Packs <paramref name="input"/> (labels or graded samples JSONL) into an example dataset in <paramref name="outDir"/>.</summary>
    public static ExampleManifest Pack(VerifierKind k, string tokenizerDir, string input, string outDir, int maxLength, int threads, CancellationToken cancel)
    {
        var tok = TokenizerFactory.Load(tokenizerDir);
        var rm = PackOptions(k);
        var encoder = new RmExampleEncoder(rm, tok, tok.BosId);
        var packer = new ExamplePacker(tok, new ExamplePackOptions { Kind = rm.Kind, MaxLength = maxLength, Labelled = encoder, Threads = threads, Overwrite = true });
        return packer.Pack([input], outDir, cancel: cancel);
    }

    /// <summary>Each line's solution score (P(+) at the tags, the PRM's minimum over steps); 0 for a solution the format cannot score (no text).</summary>
    public static double[] Score(VerifierKind k, LoadedModel model, IReadOnlyList<SolutionSample> samples, IProgressReporter progress, string what, CancellationToken cancel)
    {
        var tok = model.Tokenizer ?? throw new SiftException($"{model.Directory}: no tokenizer to build the verifier's prompts");
        var setup = RmSetup.Create(ScoreFormat(k), tok, model.BosId);
        var aggregate = RmFormats.DefaultAggregate(k == VerifierKind.Prm ? RmFormat.MathShepherd : RmFormat.Tagged);
        using var scorer = new LocalStepScorer(model);
        var scores = new double[samples.Count]; // 0 stays for an empty solution: nothing to score, and never correct
        const int Batch = 64; // prompts packed per call (the progress line moves once per batch)
        for (int start = 0; start < samples.Count; start += Batch)
        {
            var index = new List<int>(Batch);
            var prompts = new List<RmPrompt>(Batch);
            for (int i = start; i < Math.Min(samples.Count, start + Batch); i++)
            {
                try
                {
                    prompts.Add(StepScoring.Fit(setup.Builder.Build(samples[i].Question, samples[i].Completion), scorer.MaxTokens));
                    index.Add(i);
                }
                catch (RmInputException)
                {
                    // an empty solution keeps its 0
                }
            }
            scorer.Score(prompts, setup.Labels, (j, r) => scores[index[j]] = StepScoring.Combine(r, prompts[j].Rows.Length, aggregate).Score ?? 0, cancel);
            progress.Report(what, Math.Min(samples.Count, start + Batch), samples.Count, "");
        }
        progress.Done();
        return scores;
    }
}
