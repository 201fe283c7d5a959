using Sift.Engine.Inference;
using Sift.Grading;
using Sift.Inference;
using Sift.Rewards.Labels;
using Sift.Rewards.Tests.Support;

namespace Sift.Rewards.Tests.Labels;

/// <summary>
/// `sift rm label` hands all K completions of every step prefix to the completer in one call, so the local backend's
/// batched generator decodes them together and prefills each prefix once (the other K − 1 fork its cached rows). The
/// labels and every completion must equal those drawn one request per call with no batching, for seeded sampling and
/// for greedy decoding.
/// </summary>
public sealed class McBatchingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sift-rm-label-batch").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Records every completion it returns, in request order.</summary>
    private sealed class Recording(ICompletionBackend inner, bool onePerCall) : ICompletionBackend
    {
        public List<string> Texts { get; } = [];

        public string Name => inner.Name;

        public async Task<TextCompletion[]> CompleteAsync(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default)
        {
            TextCompletion[] done;
            if (onePerCall)
            {
                done = new TextCompletion[prompts.Count];
                for (int i = 0; i < prompts.Count; i++)
                {
                    done[i] = (await inner.CompleteAsync([prompts[i]], null, cancel).ConfigureAwait(false))[0];
                }
            }
            else
            {
                done = await inner.CompleteAsync(prompts, null, cancel).ConfigureAwait(false);
            }
            Texts.AddRange(done.Select(d => d.Text));
            return done;
        }

        public void Dispose() => inner.Dispose();
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0f)]
    public async Task BatchedCompletions_GiveTheLabelsAndTextsOfOneAtATime(float temperature)
    {
        string modelDir = ToyPrm.Create(Path.Combine(_dir, "model"), trainSteps: 0);
        var opts = new McLabelOptions(4, 6, new SamplingOptions { Temperature = temperature }, 21, GradeMode.Strict, McLabelOptions.DefaultTemplate, []);
        // Golds the untrained completer sometimes hits ("1", "2"), so both label values occur.
        LabelProblem[] problems =
        [
            new(1, ToyPrm.Question, "1", ["1+0=1", "0+2=2", "1+1=2"]),
            new(2, ToyPrm.Question, "2", ["2+0=2", "0+0=0"]),
            new(3, ToyPrm.Question, "1", ["0+1=1", "1+1=2", "2+2=4", "0+1=1"]),
        ];
        using var lm = LoadedModel.Open(modelDir, 1, "managed");
        using var batched = new Recording(new LocalCompletionBackend(lm, 8), onePerCall: false);
        using var alone = new Recording(new LocalCompletionBackend(lm, 1), onePerCall: true);
        var a = await new McStepLabeler(batched, opts).LabelAsync(problems);
        var b = await new McStepLabeler(alone, opts).LabelAsync(problems);
        Assert.Equal(4 * (2 + 1 + 3), batched.Texts.Count);
        Assert.Equal(alone.Texts, batched.Texts);
        for (int i = 0; i < problems.Length; i++)
        {
            Assert.Equal(b[i].Hard, a[i].Hard);
            Assert.Equal(b[i].Soft, a[i].Soft);
            Assert.Equal(b[i].Correct, a[i].Correct);
        }
        if (temperature > 0)
        {
            // Seeded sampling: the K completions of a prefix differ from one another (the test is not of K copies).
            Assert.True(batched.Texts.Chunk(4).Any(k => k.Distinct().Count() > 1), "every prefix drew K identical completions");
        }
    }
}
