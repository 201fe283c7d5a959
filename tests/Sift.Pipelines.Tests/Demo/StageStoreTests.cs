using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Pipelines.Demo;

namespace Sift.Pipelines.Tests.Demo;

public sealed class StageStoreTests
{
    [Fact]
    public void Finished_IsSkipped_ChangedInputsRedo_UnfinishedResumes()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sift-stage").FullName, "s");
        var store = new StageStore();
        int runs = 0;
        bool? lastResume = null;
        JsonObject Body(string d, bool resume)
        {
            runs++;
            lastResume = resume;
            File.WriteAllText(Path.Combine(d, "out.txt"), $"run {runs}");
            return new JsonObject { ["n"] = runs };
        }
        var a = store.Run("x", dir, new JsonObject { ["k"] = 1, ["j"] = "a" }, Body);
        Assert.False(a.Cached);
        Assert.Equal(1, runs);
        Assert.False(lastResume);

        // Same inputs in another key order: skipped, with the stored result.
        var b = store.Run("x", dir, new JsonObject { ["j"] = "a", ["k"] = 1 }, Body);
        Assert.True(b.Cached);
        Assert.Equal(1, runs);
        Assert.Equal(1, (int)b.Result["n"]!);
        Assert.Equal(a.Key, b.Key);

        // A changed input deletes the folder's old outputs and runs again.
        File.WriteAllText(Path.Combine(dir, "stale.txt"), "old");
        var c = store.Run("x", dir, new JsonObject { ["k"] = 2, ["j"] = "a" }, Body);
        Assert.False(c.Cached);
        Assert.Equal(2, runs);
        Assert.False(File.Exists(Path.Combine(dir, "stale.txt")));
        Assert.NotEqual(a.Key, c.Key);

        // A stage killed mid-way (stage.json says not complete, same key) is resumed, not wiped.
        Assert.Throws<InvalidOperationException>(() => store.Run("x", dir, new JsonObject { ["k"] = 3 }, (d, r) =>
        {
            File.WriteAllText(Path.Combine(d, "partial.txt"), "half");
            throw new InvalidOperationException("killed");
        }));
        var e = store.Run("x", dir, new JsonObject { ["k"] = 3 }, Body);
        Assert.True(lastResume);
        Assert.True(File.Exists(Path.Combine(dir, "partial.txt")));
        Assert.False(e.Cached);
    }

    [Fact]
    public void AFolderNotMadeByThePipeline_IsNeverDeleted()
    {
        string dir = Directory.CreateTempSubdirectory("sift-stage").FullName;
        File.WriteAllText(Path.Combine(dir, "precious.txt"), "keep me");
        var ex = Assert.Throws<SiftException>(() => new StageStore().Run("x", dir, new JsonObject(), (_, _) => []));
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
