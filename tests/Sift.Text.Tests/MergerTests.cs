using FsCheck;
using FsCheck.Fluent;
using Sift.Text.Bpe;

namespace Sift.Text.Tests;

public sealed class MergerTests
{
    [Fact]
    public void Heap_merger_matches_the_scan_reference()
    {
        // A merge table over ids 0..3 with chains: every merge result has a higher rank than its parts.
        var table = new MergeTable(16);
        table.Add(0, 0, 4);  // aa
        table.Add(0, 1, 5);  // ab
        table.Add(4, 5, 6);  // aaab
        table.Add(2, 3, 7);  // cd
        table.Add(5, 7, 8);  // abcd
        table.Add(6, 6, 9);
        table.Add(1, 1, 10);
        table.Add(10, 0, 11);
        var gen = Gen.ArrayOf(Gen.Choose(0, 3)).ToArbitrary();
        Prop.ForAll(gen, symbols =>
        {
            int[] a = (int[])symbols.Clone(), b = (int[])symbols.Clone();
            int na = BpeMerger.MergeByScan(a, table), nb = BpeMerger.MergeByHeap(b, table);
            return a.AsSpan(0, na).SequenceEqual(b.AsSpan(0, nb));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Scan_merges_leftmost_occurrence_first()
    {
        var table = new MergeTable(1);
        table.Add(0, 0, 1);
        int[] s = [0, 0, 0];
        int n = BpeMerger.MergeByScan(s, table);
        Assert.Equal([1, 0], s[..n]);
        int[] h = [0, 0, 0];
        n = BpeMerger.MergeByHeap(h, table);
        Assert.Equal([1, 0], h[..n]);
    }
}
