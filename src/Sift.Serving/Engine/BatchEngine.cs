using System.Collections.Concurrent;
using System.Diagnostics;
using Sift.Core.Random;
using Sift.Engine.Inference;
using Sift.Inference;

namespace Sift.Serving.Engine;

/// <summary>
/// Continuous batching over the KV-cache engine for a server: one engine thread owns an
/// <see cref="InferenceSession"/> with <c>maxBatch</c> slots. Each iteration it admits queued jobs into free slots
/// (prefill, first token), then runs one decode step for every active slot together, so requests from many clients
/// share each pass over the weights; a finished or cancelled job frees its slot for the next one at once.
/// Tokens go out through each job's channel; detokenizing and stop strings happen on the request's own thread,
/// which keeps the engine thread doing only model work. With maxBatch = 1 requests run one at a time
/// ("batching off" in the benchmarks).
/// </summary>
public sealed class BatchEngine : IDisposable
{
    private readonly IDecodeSession _session;
    private readonly bool _ownsSession;
    private readonly PromptSharing _sharing;
    private readonly ConcurrentQueue<EngineJob> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly object _admit = new();
    private readonly Thread _thread;
    private readonly int _vocab;
    private int _waiting;
    private volatile bool _stopping;
    private long _steps, _generated, _prompt, _prefilled, _busyTicks;

    /// <summary>Opens a decode session of <paramref name="model"/> (KV cache of maxBatch × maxLength) and starts the engine thread.</summary>
    public BatchEngine(IDecoderModel model, int maxBatch, int maxQueue, int maxLength)
        : this(model.OpenSession(CheckBatch(maxBatch), maxLength), maxQueue, ownsSession: true)
    {
    }

    /// <summary>Serves over <paramref name="session"/> (its slots are the batch); disposes it when <paramref name="ownsSession"/>.</summary>
    public BatchEngine(IDecodeSession session, int maxQueue, bool ownsSession = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueue, 1);
        _session = session;
        _ownsSession = ownsSession;
        _vocab = session.Width;
        MaxBatch = session.MaxSequences;
        MaxQueue = maxQueue;
        MaxLength = session.MaxLength;
        _sharing = new PromptSharing(MaxBatch);
        _thread = new Thread(Loop) { IsBackground = true, Name = "sift-engine" };
        _thread.Start();
    }

    private static int CheckBatch(int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        return maxBatch;
    }

    /// <summary>Slots decoded together.</summary>
    public int MaxBatch { get; }

    /// <summary>Most sequences waiting for a slot before requests are refused (429).</summary>
    public int MaxQueue { get; }

    /// <summary>Context length of a slot (prompt + completion).</summary>
    public int MaxLength { get; }

    /// <summary>Sequences waiting for a slot.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Sequences in a slot now.</summary>
    public int Running { get; private set; }

    /// <summary>Decode steps run.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Tokens generated.</summary>
    public long GeneratedTokens => Interlocked.Read(ref _generated);

    /// <summary>Prompt tokens of every admitted sequence.</summary>
    public long PromptTokens => Interlocked.Read(ref _prompt);

    /// <summary>Prompt tokens computed (a prompt a slot already held is copied, not computed).</summary>
    public long PrefilledTokens => Interlocked.Read(ref _prefilled);

    /// <summary>Seconds the engine thread spent computing.</summary>
    public double BusySeconds => Interlocked.Read(ref _busyTicks) / (double)Stopwatch.Frequency;

    /// <summary>
    /// Queues all jobs of one request, or none: false when the queue cannot take them all (the caller answers 429).
    /// </summary>
    public bool TrySubmit(IReadOnlyList<EngineJob> jobs)
    {
        if (_stopping)
        {
            throw new InvalidOperationException("the engine is stopping");
        }
        lock (_admit)
        {
            if (_waiting + jobs.Count > MaxQueue)
            {
                return false;
            }
            long now = Stopwatch.GetTimestamp();
            foreach (var j in jobs)
            {
                j.QueuedAt = now;
                _queue.Enqueue(j);
            }
            _waiting += jobs.Count;
        }
        _wake.Set();
        return true;
    }

    /// <summary>Finishes the jobs already queued or running, then stops the thread.</summary>
    public void Stop()
    {
        _stopping = true;
        _wake.Set();
        _thread.Join();
    }

    private sealed class Slot
    {
        public EngineJob? Job;
        public Rng Rng = new(0);
        public int Generated;
        public int Next;
    }

    private void Loop()
    {
        var slots = new Slot[MaxBatch];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = new Slot();
        }
        var logits = new float[MaxBatch * _vocab];
        var last = new float[_vocab];
        var probs = new float[_vocab];
        var order = new int[_vocab];
        var seqs = new int[MaxBatch];
        var toks = new int[MaxBatch];
        while (true)
        {
            long t0 = Stopwatch.GetTimestamp();
            // Admit: fill free slots from the queue (prefill + first token).
            for (int s = 0; s < slots.Length && !_queue.IsEmpty; s++)
            {
                while (slots[s].Job is null && _queue.TryDequeue(out var job))
                {
                    lock (_admit)
                    {
                        _waiting--;
                    }
                    if (job.IsCancelled)
                    {
                        job.Finish("cancelled");
                        continue;
                    }
                    int slot = s;
                    Guard(slot, slots[s], () => Admit(slot, slots, job, last, probs, order));
                }
            }
            // Decode: one step for every active slot together.
            int rows = 0;
            for (int s = 0; s < slots.Length; s++)
            {
                var slot = slots[s];
                if (slot.Job is null)
                {
                    continue;
                }
                if (slot.Job.IsCancelled)
                {
                    slot.Job.Finish("cancelled");
                    slot.Job = null;
                    continue;
                }
                seqs[rows] = s;
                toks[rows] = slot.Next;
                rows++;
            }
            Running = rows;
            if (rows == 0)
            {
                Interlocked.Add(ref _busyTicks, Stopwatch.GetTimestamp() - t0);
                if (_stopping && _queue.IsEmpty)
                {
                    return;
                }
                _wake.Wait();
                _wake.Reset();
                continue;
            }
            try
            {
                _session.Step(seqs.AsSpan(0, rows), toks.AsSpan(0, rows), logits);
                Interlocked.Increment(ref _steps);
            }
            catch (Exception ex)
            {
                // A bug in the engine must not take the server down: fail the jobs of this step, keep serving.
                Console.Error.WriteLine($"sift serve: engine step failed: {ex}");
                for (int r = 0; r < rows; r++)
                {
                    slots[seqs[r]].Job?.Finish("error");
                    slots[seqs[r]].Job = null;
                    _sharing.Forget(seqs[r]);
                }
                continue;
            }
            for (int r = 0; r < rows; r++)
            {
                var slot = slots[seqs[r]];
                int row = r;
                Guard(seqs[r], slot, () => Advance(slot, logits.AsSpan(row * _vocab, _vocab), probs, order));
            }
            Interlocked.Add(ref _busyTicks, Stopwatch.GetTimestamp() - t0);
        }
    }

    // Runs per-job work; a failure ends that job with "error" instead of killing the engine thread.
    private void Guard(int s, Slot slot, Action work)
    {
        try
        {
            work();
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"sift serve: job failed: {ex}");
            slot.Job?.Finish("error");
            slot.Job = null;
            _sharing.Forget(s); // its cache may be half written: never a donor
        }
    }

    private void Admit(int s, Slot[] slots, EngineJob job, float[] last, float[] probs, int[] order)
    {
        var slot = slots[s];
        job.StartedAt = Stopwatch.GetTimestamp();
        slot.Job = job;
        slot.Rng = new Rng(job.Seed);
        slot.Generated = 0;
        var prompt = job.Prompt;
        Interlocked.Add(ref _prompt, prompt.Length);
        // Prompt scores need every position's logits, so such a prompt is always computed.
        bool computed = true;
        if (job.PromptLogprobs >= 0)
        {
            _session.Reset(s);
            PrefillScored(s, job, last);
            _sharing.Record(s, prompt, last);
        }
        else
        {
            computed = _sharing.Place(_session, s, prompt, last);
        }
        if (computed)
        {
            Interlocked.Add(ref _prefilled, prompt.Length);
        }
        if (job.MaxTokens == 0)
        {
            slot.Job = null;
            job.Finish("length");
            return;
        }
        Advance(slot, last, probs, order);
    }

    // Computes the prompt with its per-token scores.
    private void PrefillScored(int s, EngineJob job, float[] last)
    {
        var prompt = job.Prompt;
        var lps = new float[prompt.Length];
        var ranks = new int[prompt.Length];
        var top = job.PromptLogprobs > 0 ? new TokenLogprob[]?[prompt.Length] : null;
        lps[0] = float.NaN;
        _session.Prefill(s, prompt, last, (i, row) =>
        {
            if (i + 1 >= prompt.Length)
            {
                return;
            }
            int next = prompt[i + 1];
            lps[i + 1] = LogitMath.Logprob(row, next);
            ranks[i + 1] = LogitMath.Rank(row, next);
            if (top is not null)
            {
                top[i + 1] = LogitMath.Top(row, job.PromptLogprobs, LogitMath.LogSumExp(row));
            }
        });
        job.PromptScores = new PromptScores(lps, ranks, top);
    }

    // Picks the next token of a slot from its logits; empties the slot when the job ends.
    private void Advance(Slot slot, ReadOnlySpan<float> row, float[] probs, int[] order)
    {
        var job = slot.Job!;
        int tok = Sampler.Sample(row, job.Sampling, slot.Rng, probs, order);
        if (job.StopTokens.Count > 0 && job.StopTokens.Contains(tok))
        {
            slot.Job = null;
            job.Finish("stop");
            return;
        }
        float lse = LogitMath.LogSumExp(row);
        var top = job.TopLogprobs > 0 ? LogitMath.Top(row, job.TopLogprobs, lse) : null;
        int rank = job.WantRank ? LogitMath.Rank(row, tok) : 0;
        job.Emit(new EngineEvent(tok, row[tok] - lse, rank, top, null));
        Interlocked.Increment(ref _generated);
        slot.Generated++;
        if (slot.Generated >= job.MaxTokens)
        {
            slot.Job = null;
            job.Finish("length");
            return;
        }
        slot.Next = tok;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_stopping)
        {
            Stop();
        }
        if (_ownsSession)
        {
            _session.Dispose();
        }
        _wake.Dispose();
    }
}
