namespace Sift.Hub.Tests;

/// <summary>Dropped connections, killed downloads, corrupted bytes, gated repositories and missing files.</summary>
public sealed class FaultTests
{
    [Fact]
    public void A_connection_cut_mid_file_resumes_without_fetching_completed_bytes_again()
    {
        using var t = new HubTestContext();
        var repo = t.AddModel("org/tiny", weightBytes: 1_000_000);
        var weights = repo.Files["model.safetensors"];
        weights.CutsLeft = 2;
        weights.CutAt = 400_000;
        using var resolver = t.Resolver();

        var model = resolver.ResolveModel("org/tiny");

        Assert.Equal(weights.Content, File.ReadAllBytes(Path.Combine(model.Path, "model.safetensors")));
        // Every byte was served exactly once: 400,000 before the cut, the rest after one Range request.
        Assert.Equal(weights.Content.Length, t.Hub.ServedFor(weights));
        Assert.Contains(t.Hub.Log, l => l.StartsWith("GET /lfs/" + weights.Sha256 + " | bytes=400000-", StringComparison.Ordinal));
        Assert.Contains(t.Notes, n => n.Contains("connection lost at 400,000", StringComparison.Ordinal));
        Assert.Equal(1, weights.CutsLeft); // the second cut never fired: the resumed request started past the cut point
    }

    [Fact]
    public void A_killed_download_keeps_its_partial_file_and_the_next_run_resumes_it()
    {
        using var t = new HubTestContext();
        var repo = t.AddModel("org/tiny", weightBytes: 1_000_000);
        var weights = repo.Files["model.safetensors"];
        weights.CutsLeft = 1;
        weights.CutAt = 650_000;

        // First run: one attempt only, as if the process died when the connection did.
        using (var first = t.Resolver(t.Settings(attempts: 1)))
        {
            var ex = Assert.Throws<HubException>(() => first.ResolveModel("org/tiny"));
            Assert.Equal(HubErrorKind.Connection, ex.Kind);
            Assert.Contains("next run resumes", ex.Message, StringComparison.Ordinal);
        }
        string partial = Path.Combine(t.RepoDir("models--org--tiny"), "blobs", weights.Sha256 + ".incomplete");
        Assert.Equal(650_000, new FileInfo(partial).Length);
        Assert.False(File.Exists(Path.Combine(t.RepoDir("models--org--tiny"), "snapshots", HubTestContext.Commit, "model.safetensors")));

        using var second = t.Resolver();
        var model = second.ResolveModel("org/tiny");
        Assert.Equal(weights.Content, File.ReadAllBytes(Path.Combine(model.Path, "model.safetensors")));
        Assert.Equal(weights.Content.Length, t.Hub.ServedFor(weights));
        Assert.Contains(t.Hub.Log, l => l.StartsWith("GET /lfs/" + weights.Sha256 + " | bytes=650000-", StringComparison.Ordinal));
        Assert.False(File.Exists(partial));
        Assert.Contains(t.Notes, n => n.Contains("resuming org/tiny/model.safetensors at 650,000", StringComparison.Ordinal));
        Assert.Equal(650_000, t.Progress.Last().Resumed);
    }

    [Fact]
    public void Content_that_does_not_match_the_hubs_hash_is_removed_with_an_error()
    {
        using var t = new HubTestContext();
        var repo = t.AddModel("org/tiny");
        var weights = repo.Files["model.safetensors"];
        weights.Served = (byte[])weights.Content.Clone();
        weights.Served[12345] ^= 0x5a;
        using var resolver = t.Resolver();

        var ex = Assert.Throws<HubException>(() => resolver.ResolveModel("org/tiny"));

        Assert.Equal(HubErrorKind.Mismatch, ex.Kind);
        Assert.Contains(weights.Sha256, ex.Message, StringComparison.Ordinal);
        string blobs = Path.Combine(t.RepoDir("models--org--tiny"), "blobs");
        Assert.False(File.Exists(Path.Combine(blobs, weights.Sha256)));
        Assert.False(File.Exists(Path.Combine(blobs, weights.Sha256 + ".incomplete")));
        Assert.False(File.Exists(Path.Combine(t.RepoDir("models--org--tiny"), "snapshots", HubTestContext.Commit, "model.safetensors")));
    }

    [Fact]
    public void A_corrupted_git_file_fails_the_git_blob_hash()
    {
        using var t = new HubTestContext();
        var repo = t.AddModel("org/tiny");
        var config = repo.Files["config.json"];
        config.Served = [.. config.Content];
        config.Served[3] = (byte)'X';
        using var resolver = t.Resolver();
        var ex = Assert.Throws<HubException>(() => resolver.ResolveModel("org/tiny"));
        Assert.Equal(HubErrorKind.Mismatch, ex.Kind);
        Assert.Contains(config.GitSha1, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gated_repository_without_a_token_names_HF_TOKEN_and_with_one_downloads()
    {
        using var t = new HubTestContext();
        var repo = t.AddModel("org/gated", gated: true);
        using (var anonymous = t.Resolver())
        {
            var ex = Assert.Throws<HubException>(() => anonymous.ResolveModel("org/gated"));
            Assert.Equal(HubErrorKind.Unauthorized, ex.Kind);
            Assert.Contains("HF_TOKEN", ex.Message, StringComparison.Ordinal);
            Assert.Contains("gated", ex.Message, StringComparison.Ordinal);
        }
        using var withToken = t.Resolver(t.Settings(token: FakeHub.Token));
        var model = withToken.ResolveModel("org/gated");
        Assert.Equal(repo.Files["model.safetensors"].Content, File.ReadAllBytes(Path.Combine(model.Path, "model.safetensors")));
        Assert.Contains(t.Hub.Log, l => l.StartsWith("HEAD /org/gated/resolve/", StringComparison.Ordinal) && l.EndsWith("| Bearer " + FakeHub.Token, StringComparison.Ordinal));
    }

    [Fact]
    public void The_token_is_not_sent_to_the_storage_host_a_redirect_points_at()
    {
        using var t = new HubTestContext();
        var repo = t.AddModel("org/gated", gated: true);
        t.Hub.StorageHost = "localhost";
        using var resolver = t.Resolver(t.Settings(token: FakeHub.Token));
        resolver.ResolveModel("org/gated");
        string lfsGet = t.Hub.Log.Single(l => l.StartsWith("GET /lfs/" + repo.Files["model.safetensors"].Sha256, StringComparison.Ordinal));
        Assert.EndsWith("| ", lfsGet, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_a_clear_error_and_is_remembered_in_no_exist()
    {
        using var t = new HubTestContext();
        t.AddModel("org/tiny");
        var settings = t.Settings();
        using var client = new HubClient(settings);
        var downloader = new HubDownloader(settings, client);
        var repo = new HubRepo(HubRepoType.Model, "org/tiny");
        await downloader.FetchAsync(repo, "config.json");

        var ex = await Assert.ThrowsAsync<HubException>(() => downloader.FetchAsync(repo, "missing.json"));

        Assert.Equal(HubErrorKind.EntryNotFound, ex.Kind);
        Assert.Contains("missing.json", ex.Message, StringComparison.Ordinal);
        Assert.True(downloader.Cache.KnownMissing(repo, HubTestContext.Commit, "missing.json"));
    }
}
