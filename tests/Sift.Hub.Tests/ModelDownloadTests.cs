namespace Sift.Hub.Tests;

/// <summary>Downloads of model repositories into the shared cache layout, against a local fake Hub.</summary>
public sealed class ModelDownloadTests
{
    [Fact]
    public void Downloads_only_the_needed_files_into_the_huggingface_hub_layout()
    {
        using var t = new HubTestContext();
        var repo = t.AddModel("org/tiny");
        using var resolver = t.Resolver();

        var model = resolver.ResolveModel("org/tiny");

        string repoDir = t.RepoDir("models--org--tiny");
        Assert.Equal(Path.Combine(repoDir, "snapshots", HubTestContext.Commit), model.Path);
        Assert.Equal("org_tiny", model.Name);
        Assert.Equal(HubTestContext.Commit, File.ReadAllText(Path.Combine(repoDir, "refs", "main")));
        foreach (string f in new[] { "config.json", "tokenizer.json", "generation_config.json", "model.safetensors" })
        {
            string pointer = Path.Combine(model.Path, f);
            var file = repo.Files[f];
            string etag = file.Lfs ? file.Sha256 : file.GitSha1;
            // A relative symlink into blobs/, named by sha256 (LFS) or git blob sha1, exactly as huggingface_hub writes it.
            Assert.Equal(Path.Combine("..", "..", "blobs", etag), new FileInfo(pointer).LinkTarget);
            Assert.Equal(file.Content, File.ReadAllBytes(pointer));
            Assert.Equal(file.Content, File.ReadAllBytes(Path.Combine(repoDir, "blobs", etag)));
        }
        Assert.False(File.Exists(Path.Combine(model.Path, "README.md")));
        Assert.False(File.Exists(Path.Combine(model.Path, "pytorch_model.bin")));
        Assert.DoesNotContain(t.Hub.Log, l => l.Contains("pytorch_model.bin", StringComparison.Ordinal) || l.Contains("README", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoDir, "blobs"), "*.incomplete"));
        var last = t.Progress.Last(p => p.File == "model.safetensors");
        Assert.Equal(repo.Files["model.safetensors"].Content.Length, last.Done);
        Assert.Equal(last.Total, last.Done);
    }

    [Fact]
    public void A_second_resolve_fetches_no_bytes_and_offline_works_without_the_hub()
    {
        using var t = new HubTestContext();
        var repo = t.AddModel("org/tiny");
        using (var first = t.Resolver())
        {
            first.ResolveModel("org/tiny");
        }
        long served = t.Hub.ServedFor(repo.Files["model.safetensors"]);
        using (var again = t.Resolver())
        {
            again.ResolveModel("org/tiny");
        }
        Assert.Equal(served, t.Hub.ServedFor(repo.Files["model.safetensors"]));

        // Offline: the Hub's address is not even valid; the cache answers through refs/main.
        using var offline = t.Resolver(t.Settings(offline: true, endpoint: "http://127.0.0.1:1"));
        var model = offline.ResolveModel("org/tiny");
        Assert.Equal(repo.Files["model.safetensors"].Content, File.ReadAllBytes(Path.Combine(model.Path, "model.safetensors")));
        // A pinned commit resolves offline too.
        Assert.Equal(model.Path, offline.ResolveModel("org/tiny@" + HubTestContext.Commit).Path);
    }

    [Fact]
    public void Offline_without_the_files_cached_is_a_clear_error()
    {
        using var t = new HubTestContext();
        using var offline = t.Resolver(t.Settings(offline: true));
        var ex = Assert.Throws<HubException>(() => offline.ResolveModel("org/absent"));
        Assert.Equal(HubErrorKind.NotCached, ex.Kind);
        Assert.Contains("HF_HUB_OFFLINE", ex.Message, StringComparison.Ordinal);
        Assert.Contains("org/absent", ex.Message, StringComparison.Ordinal);
        Assert.Empty(t.Hub.Log);
    }

    [Fact]
    public void An_unreachable_hub_falls_back_to_the_cache_and_says_so()
    {
        using var t = new HubTestContext();
        t.AddModel("org/tiny");
        using (var first = t.Resolver())
        {
            first.ResolveModel("org/tiny");
        }
        int port = t.Hub.Port;
        t.Hub.Dispose();
        using var resolver = t.Resolver(t.Settings(endpoint: $"http://127.0.0.1:{port}"));
        var model = resolver.ResolveModel("org/tiny");
        Assert.True(File.Exists(Path.Combine(model.Path, "config.json")));
        Assert.Contains(t.Notes, n => n.Contains("cached snapshot", StringComparison.Ordinal));

        using var unknown = t.Resolver(t.Settings(endpoint: $"http://127.0.0.1:{port}"));
        var ex = Assert.Throws<HubException>(() => unknown.ResolveModel("org/other"));
        Assert.Equal(HubErrorKind.Connection, ex.Kind);
    }

    [Fact]
    public void Sharded_weights_come_with_their_index_and_every_shard_once()
    {
        using var t = new HubTestContext();
        var repo = t.AddModel("org/sharded", weightBytes: 100_000, sharded: true);
        using var resolver = t.Resolver();
        var model = resolver.ResolveModel("org/sharded");
        foreach (string f in new[] { "model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors" })
        {
            Assert.Equal(repo.Files[f].Content, File.ReadAllBytes(Path.Combine(model.Path, f)));
        }
        Assert.Equal(repo.Files["model-00001-of-00002.safetensors"].Content.Length, t.Hub.ServedFor(repo.Files["model-00001-of-00002.safetensors"]));

        using var offline = t.Resolver(t.Settings(offline: true));
        Assert.Equal(model.Path, offline.ResolveModel("org/sharded").Path);
        File.Delete(Path.Combine(model.Path, "model-00002-of-00002.safetensors"));
        var ex = Assert.Throws<HubException>(() => offline.ResolveModel("org/sharded"));
        Assert.Contains("model-00002-of-00002.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_local_folder_wins_over_a_hub_id_and_a_bad_spec_says_both()
    {
        using var t = new HubTestContext();
        using var resolver = t.Resolver();
        string local = Path.Combine(t.Cache, "org", "tiny");
        Directory.CreateDirectory(local);
        Assert.Equal(local, resolver.ResolveModel(local).Path);
        Assert.Empty(t.Hub.Log);

        var ex = Assert.Throws<HubException>(() => resolver.ResolveModel("runs/nothing"));
        Assert.Equal(HubErrorKind.RepoNotFound, ex.Kind);
        Assert.Contains("no such model folder", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HF_TOKEN", ex.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<Sift.Core.SiftException>(() => resolver.ResolveModel("not a/valid/id"));
        Assert.Contains("org/name", bad.Message, StringComparison.Ordinal);
    }
}
