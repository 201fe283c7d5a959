using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Sift.Core;
using Sift.Pipelines.Demo;

namespace Sift.Pipelines.Tests.Demo;

public sealed record StageIn(int K, string J);

public sealed record StageOut(int N) : IStageResult
{
    public double? Flops => null;
}

public sealed class StageStoreTests
{
    private static readonly JsonTypeInfo<StageIn> In = (JsonTypeInfo<StageIn>)JsonSerializerOptions.Default.GetTypeInfo(typeof(StageIn));
    private static readonly JsonTypeInfo<StageOut> Out = (JsonTypeInfo<StageOut>)JsonSerializerOptions.Default.GetTypeInfo(typeof(StageOut));

    /// <summary>A stage another process is running (its lock held) is refused with an error naming it; once released it runs, and the lock file is gone.</summary>
    [Fact]
    public void RunningStage_IsLocked_AgainstASecondRunner()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sift-stage-lock").FullName, "s");
        var store = new StageStore();
        using (Sift.Core.IO.FileLock.Acquire(dir + ".lock", "another run"))
        {
            var e = Assert.Throws<SiftException>(() => store.Run("x", dir, new StageIn(1, "a"), In, Out, (d, r) => new StageOut(1)));
            Assert.Contains("stage 'x'", e.Message);
            Assert.Contains("in use by another process", e.Message);
            Assert.False(Directory.Exists(dir), "nothing was written while locked");
        }
        var ok = store.Run("x", dir, new StageIn(1, "a"), In, Out, (d, r) => new StageOut(7));
        Assert.Equal(new StageOut(7), ok.Result);
        Assert.False(File.Exists(dir + ".lock"));
    }

    [Fact]
    public void Finished_IsSkipped_ChangedInputsRedo_UnfinishedResumes()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sift-stage").FullName, "s");
        var store = new StageStore();
        int runs = 0;
        bool? lastResume = null;
        StageOut Body(string d, bool resume)
        {
            runs++;
            lastResume = resume;
            File.WriteAllText(Path.Combine(d, "out.txt"), $"run {runs}");
            return new StageOut(runs);
        }
        var a = store.Run("x", dir, new StageIn(1, "a"), In, Out, Body);
        Assert.False(a.Cached);
        Assert.Equal(1, runs);
        Assert.False(lastResume);

        // Same inputs: skipped, with the stored result read back as its type.
        var b = store.Run("x", dir, new StageIn(1, "a"), In, Out, Body);
        Assert.True(b.Cached);
        Assert.Equal(1, runs);
        Assert.Equal(new StageOut(1), b.Result);
        Assert.Equal(a.Key, b.Key);

        // A changed input deletes the folder's old outputs and runs again.
        File.WriteAllText(Path.Combine(dir, "stale.txt"), "old");
        var c = store.Run("x", dir, new StageIn(2, "a"), In, Out, Body);
        Assert.False(c.Cached);
        Assert.Equal(2, runs);
        Assert.False(File.Exists(Path.Combine(dir, "stale.txt")));
        Assert.NotEqual(a.Key, c.Key);

        // A stage killed mid-way (stage.json says not complete, same key) is resumed, not wiped.
        Assert.Throws<InvalidOperationException>(() => store.Run<StageIn, StageOut>("x", dir, new StageIn(3, "a"), In, Out, (d, r) =>
        {
            File.WriteAllText(Path.Combine(d, "partial.txt"), "half");
            throw new InvalidOperationException("killed");
        }));
        var e = store.Run("x", dir, new StageIn(3, "a"), In, Out, Body);
        Assert.True(lastResume);
        Assert.True(File.Exists(Path.Combine(dir, "partial.txt")));
        Assert.False(e.Cached);
    }

    [Fact]
    public void AFolderNotMadeByThePipeline_IsNeverDeleted()
    {
        string dir = Directory.CreateTempSubdirectory("sift-stage").FullName;
        File.WriteAllText(Path.Combine(dir, "precious.txt"), "keep me");
        var ex = Assert.Throws<SiftException>(() => new StageStore().Run("x", dir, new StageIn(0, ""), In, Out, (_, _) => new StageOut(0)));
        Assert.Contains(dir, ex.Message);
        Assert.True(File.Exists(Path.Combine(dir, "precious.txt")));
    }

    [Fact]
    public void Canonical_SortsKeysAtEveryLevel()
    {
        var x = JsonNode.Parse("""{"b":{"z":1,"a":[{"y":2,"x":1}]},"a":null}""");
        Assert.Equal("""{"a":null,"b":{"a":[{"x":1,"y":2}],"z":1}}""", StageStore.Canonical(x));
    }
}
