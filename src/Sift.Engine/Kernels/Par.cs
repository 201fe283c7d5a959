using System.Runtime.ExceptionServices;

namespace Sift.Engine.Kernels;

/// <summary>
/// Parallel loops over a fixed number of threads, on a persistent team of worker threads: the kernels'
/// overloads take a pointer to a caller-owned state struct and a static function pointer, so a step of the
/// training loop allocates nothing. Static loops split the range into contiguous chunks whose boundaries
/// depend only on the count and the chunk count, never on timing, so every reduction that combines
/// per-chunk partials in chunk order is deterministic; dynamic loops hand out items one at a time and are for
/// work whose items are independent. The calling thread takes part. While the team is busy (a second caller
/// on another thread, or a loop nested inside a loop body) the loop runs on the calling thread alone, with the
/// same chunks, so results are the same.
/// </summary>
public static unsafe class Par
{
    /// <summary>Runs body(state, start, end) over [0, count) split into at most <paramref name="threads"/> chunks.</summary>
    public static void For<T>(int count, int threads, T* state, delegate*<T*, int, int, void> body)
        where T : unmanaged
    {
        if (count <= 0)
        {
            return;
        }
        int chunks = Math.Clamp(threads, 1, count);
        if (chunks == 1 || !WorkerTeam.TryRun((delegate*<void*, int, int, void>)body, state, count, chunks, dynamic: false))
        {
            for (int c = 0; c < chunks; c++)
            {
                (int s, int e) = ChunkRange(count, chunks, c);
                body(state, s, e);
            }
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
        if (workers == 1 || !WorkerTeam.TryRun((delegate*<void*, int, int, void>)body, state, count, workers, dynamic: true))
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
    /// Background threads that wait on their own semaphore, run one job at a time and count down. Chunk 0 (or a
    /// share of the items) runs on the caller. The first exception of a job is rethrown on the caller.
    /// </summary>
    private static class WorkerTeam
    {
        private static readonly object s_growLock = new();
        private static readonly ManualResetEventSlim s_done = new(false);
        private static SemaphoreSlim[] s_wake = [];
        private static int s_busy;

        // The current job (written by the caller before waking workers).
        private static delegate*<void*, int, int, void> s_body;
        private static void* s_state;
        private static int s_count, s_chunks, s_next, s_pending;
        private static bool s_dynamic;
        private static ExceptionDispatchInfo? s_error;

        public static bool TryRun(delegate*<void*, int, int, void> body, void* state, int count, int chunks, bool dynamic)
        {
            if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
            {
                return false;
            }
            try
            {
                EnsureWorkers(chunks - 1);
                s_body = body;
                s_state = state;
                s_count = count;
                s_chunks = chunks;
                s_dynamic = dynamic;
                s_next = 0;
                s_error = null;
                s_pending = chunks - 1;
                s_done.Reset();
                for (int w = 0; w < chunks - 1; w++)
                {
                    s_wake[w].Release();
                }
                Execute(0);
                if (Volatile.Read(ref s_pending) != 0)
                {
                    s_done.Wait();
                }
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

        private static void Execute(int participant)
        {
            try
            {
                if (s_dynamic)
                {
                    var item = (delegate*<void*, int, void>)s_body;
                    for (int i = Interlocked.Increment(ref s_next) - 1; i < s_count; i = Interlocked.Increment(ref s_next) - 1)
                    {
                        item(s_state, i);
                    }
                }
                else
                {
                    (int s, int e) = ChunkRange(s_count, s_chunks, participant);
                    s_body(s_state, s, e);
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
                    int participant = w + 1;
                    var sem = grown[w];
                    var t = new Thread(() => WorkerLoop(sem, participant)) { IsBackground = true, Name = $"sift-worker-{participant}" };
                    t.Start();
                }
                s_wake = grown;
            }
        }

        private static void WorkerLoop(SemaphoreSlim wake, int participant)
        {
            while (true)
            {
                wake.Wait();
                Execute(participant);
                if (Interlocked.Decrement(ref s_pending) == 0)
                {
                    s_done.Set();
                }
            }
        }
    }
}
