namespace Sift.Data.Tests;

/// <summary>Side values are read for each window's target tokens (stream offset + 1).</summary>
public sealed class WindowSideDataTests
{
    private sealed class Positions : ISideData<long>
    {
        public void Read(long start, Span<long> dest)
        {
            for (int i = 0; i < dest.Length; i++)
            {
                dest[i] = start + i;
            }
        }
    }

    [Fact]
    public void ReadsTargetsOfEachWindow()
    {
        long[] starts = [0, 100, 7];
        var dest = new long[3 * 4];
        WindowSideData.ReadTargets(new Positions(), starts, 4, dest);
        Assert.Equal([1L, 2, 3, 4, 101, 102, 103, 104, 8, 9, 10, 11], dest);
    }

    [Fact]
    public void StopsAtTheEndOfDest()
    {
        var dest = new long[4];
        WindowSideData.ReadTargets(new Positions(), [10, 20], 4, dest); // only the first window fits
        Assert.Equal([11L, 12, 13, 14], dest);
    }
}
