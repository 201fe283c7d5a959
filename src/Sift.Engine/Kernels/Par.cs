using System.Runtime.ExceptionServices;

namespace Sift.Engine.Kernels;

/// <summary>
/// Parallel loops over a fixed number of threads, on a persistent team of worker threads: the kernels'
/// overloads take a pointer to a caller-owned state struct and a static function pointer, so a step of the
/// training loop allocates nothing. Work is handed out in turn (items, or fixed chunks of a range), so which
/// thread runs what depends on timing but what is computed does not: bodies treat items independently, and
/// reductions use a fixed number of partials combined in order by the caller (see RmsNorm, GradientClipping),
/// which keeps results bit-identical for any thread count. The calling thread takes part. While the team is
/// busy (a second caller on another thread, or a loop nested inside a loop body) the loop runs on the calling
/// thread alone.
/// </summary>
public static unsafe class Par
{
    /// <summary>
    /// Runs body(state, start, end) over [0, count) on up to <paramref name="threads"/> threads. The range is cut
    /// into up to 4 chunks per thread, handed out in turn, so a thread that the OS pauses does not hold the
    /// others up; the body must treat every index independently (its result cannot depend on the cut).
    /// </summary>
    public static void For<T>(int count, int threads, T* state, delegate*<T*, int, int, void> body)
        where T : unmanaged
    {
        if (count <= 0)
        {
            return;
        }
        int workers = Math.Clamp(threads, 1, count);
        if (workers == 1)
        {
            body(state, 0, count);
            return;
        }
        var range = new RangeJob { Body = (delegate*<void*, int, int, void>)body, State = state, Count = count, Chunks = Math.Min(count, 4 * workers) };
        if (!WorkerTeam.TryRun((delegate*<void*, int, void>)(delegate*<RangeJob*, int, void>)&RunChunk, &range, range.Chunks, workers))
        {
            body(state, 0, count);
        }
    }

    /// <summary>Runs body(state, i) for each i in [0, count) on up to <paramref name="threads"/> threads (items taken in turn).</summary>
    public static void ForEach<T>(int count, int threads, T* state, delegate*<T*, int, void> body)
        where T : unmanaged
    {
        if (count <= 0)
        {
            return;
        }
        int workers = Math.Clamp(threads, 1, count);
        if (workers == 1 || !WorkerTeam.TryRun((delegate*<void*, int, void>)body, state, count, workers))
        {
            for (int i = 0; i < count; i++)
            {
                body(state, i);
            }
        }
    }

    /// <summary>Closure form of <see cref="For{T}"/> (allocates a delegate; for code outside the step loop).</summary>
    public static void For(int count, int threads, Action<int, int> body)
    {
        var box = new ClosureBox { Range = body };
        var h = System.Runtime.InteropServices.GCHandle.Alloc(box);
        try
        {
            nint handle = System.Runtime.InteropServices.GCHandle.ToIntPtr(h);
            For(count, threads, &handle, &InvokeRange);
        }
        finally
        {
            h.Free();
        }
    }

    /// <summary>Closure form of <see cref="ForEach{T}"/> (allocates a delegate; for code outside the step loop).</summary>
    public static void ForEach(int count, int threads, Action<int> body)
    {
        var box = new ClosureBox { Item = body };
        var h = System.Runtime.InteropServices.GCHandle.Alloc(box);
        try
        {
            nint handle = System.Runtime.InteropServices.GCHandle.ToIntPtr(h);
            ForEach(count, threads, &handle, &InvokeItem);
        }
        finally
        {
            h.Free();
        }
    }

    /// <summary>The [start, end) range of chunk <paramref name="c"/> when <paramref name="count"/> items are split into <paramref name="chunks"/>.</summary>
    public static (int Start, int End) ChunkRange(int count, int chunks, int c)
    {
        long s = (long)count * c / chunks;
        long e = (long)count * (c + 1) / chunks;
        return ((int)s, (int)e);
    }

    private static void RunChunk(RangeJob* job, int c)
    {
        (int s, int e) = ChunkRange(job->Count, job->Chunks, c);
        job->Body(job->State, s, e);
    }

    private struct RangeJob
    {
        public delegate*<void*, int, int, void> Body;
        public void* State;
        public int Count, Chunks;
    }

    private static void InvokeRange(nint* handle, int s, int e) =>
        ((ClosureBox)System.Runtime.InteropServices.GCHandle.FromIntPtr(*handle).Target!).Range!(s, e);

    private static void InvokeItem(nint* handle, int i) =>
        ((ClosureBox)System.Runtime.InteropServices.GCHandle.FromIntPtr(*handle).Target!).Item!(i);

    private sealed class ClosureBox
    {
        public Action<int, int>? Range;
        public Action<int>? Item;
    }

    /// <summary>
    /// Background threads that wait on their own semaphore, take items of the current job in turn with the
    /// caller, and count down; the worker that counts down to zero releases <c>s_done</c> once, and the caller
    /// takes exactly that release, so a job's signal can never be mistaken for the next job's. (A reset-able
    /// event was used before: a worker preempted between its count-down and its Set could set the event after
    /// the next job had reset it, and that job's caller returned while a worker still read its stack state.)
    /// The first exception of a job is rethrown on the caller.
    /// </summary>
    private static class WorkerTeam
    {
        private static readonly object s_growLock = new();
        private static readonly SemaphoreSlim s_done = new(0);
        private static SemaphoreSlim[] s_wake = [];
        private static int s_busy;

        // The current job (written by the caller before waking workers).
        private static delegate*<void*, int, void> s_body;
        private static void* s_state;
        private static int s_count, s_next, s_pending;
        private static ExceptionDispatchInfo? s_error;

        public static bool TryRun(delegate*<void*, int, void> body, void* state, int count, int workers)
        {
            if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
            {
                return false;
            }
            try
            {
                EnsureWorkers(workers - 1);
                s_body = body;
                s_state = state;
                s_count = count;
                s_next = 0;
                s_error = null;
                Volatile.Write(ref s_pending, workers - 1);
                for (int w = 0; w < workers - 1; w++)
                {
                    s_wake[w].Release();
                }
                Execute();
                // Exactly one release per job (by the last worker to finish), taken exactly once here.
                s_done.Wait();
                s_error?.Throw();
                return true;
            }
            finally
            {
                s_body = null;
                s_state = null;
                Volatile.Write(ref s_busy, 0);
            }
        }

        // Every participant takes items in turn until none are left.
        private static void Execute()
        {
            try
            {
                for (int i = Interlocked.Increment(ref s_next) - 1; i < s_count; i = Interlocked.Increment(ref s_next) - 1)
                {
                    s_body(s_state, i);
                }
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref s_error, ExceptionDispatchInfo.Capture(ex), null);
            }
        }

        private static void EnsureWorkers(int n)
        {
            if (s_wake.Length >= n)
            {
                return;
            }
            lock (s_growLock)
            {
                var wake = s_wake;
                if (wake.Length >= n)
                {
                    return;
                }
                var grown = new SemaphoreSlim[n];
                Array.Copy(wake, grown, wake.Length);
                for (int w = wake.Length; w < n; w++)
                {
                    grown[w] = new SemaphoreSlim(0);
                    var sem = grown[w];
                    var t = new Thread(() => WorkerLoop(sem)) { IsBackground = true, Name = $"sift-worker-{w + 1}" };
                    t.Start();
                }
                s_wake = grown;
            }
        }

        private static void WorkerLoop(SemaphoreSlim wake)
        {
            while (true)
            {
                wake.Wait();
                Execute();
                if (Interlocked.Decrement(ref s_pending) == 0)
                {
                    s_done.Release();
                }
            }
        }
    }
}
