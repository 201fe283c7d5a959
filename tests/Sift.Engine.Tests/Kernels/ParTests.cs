using Sift.Engine.Kernels;

namespace Sift.Engine.Tests.Kernels;

/// <summary>The worker team: every item runs exactly once, and nothing runs after the loop has returned.</summary>
public sealed unsafe class ParTests
{
    private struct Counter
    {
        public int Done;
        public int Returned; // set by the caller after the loop returns; a body that sees it ran too late
        public int Late;
    }

    private static void Tick(Counter* c, int i)
    {
        // Widen the window between a worker's last item and its hand-back, where a stale "done" signal used to
        // let the caller return (and its stack state die) while a worker was still running.
        if ((i & 1) == 1)
        {
            Thread.SpinWait(20);
        }
        if (Volatile.Read(ref c->Returned) != 0)
        {
            Interlocked.Increment(ref c->Late);
        }
        Interlocked.Increment(ref c->Done);
    }

    [Fact]
    public void ManyShortLoops_RunEveryItemOnce_AndNeverAfterReturning()
    {
        var counters = new Counter[64];
        // Busy threads beside the loop make the OS preempt the worker at arbitrary points, as a shared machine does.
        using var stop = new CancellationTokenSource();
        var hogs = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Thread.SpinWait(1000);
            }
        })
        { IsBackground = true }).ToList();
        hogs.ForEach(t => t.Start());
        fixed (Counter* all = counters)
        {
            for (int round = 0; round < 200_000; round++)
            {
                Counter* c = all + (round & 63);
                *c = default;
                int items = 2 + (round % 3);
                Par.ForEach(items, 2, c, &Tick);
                Assert.Equal(items, Volatile.Read(ref c->Done));
                Volatile.Write(ref c->Returned, 1);
            }
            stop.Cancel();
            Thread.Sleep(10);
            foreach (var c in counters)
            {
                Assert.Equal(0, c.Late);
            }
        }
    }

    [Fact]
    public void ForCoversTheRangeExactlyOnce()
    {
        for (int count = 0; count <= 257; count++)
        {
            var hits = new int[count];
            Par.For(count, 2, (s, e) =>
            {
                for (int i = s; i < e; i++)
                {
                    Interlocked.Increment(ref hits[i]);
                }
            });
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }
}
