using System.Diagnostics;

namespace Sift.Hub.Tests;

/// <summary>Repository ids, environment settings, globbing and the git blob hash.</summary>
public sealed class LayoutTests
{
    [Theory]
    [InlineData("Qwen/Qwen2.5-Math-1.5B", "Qwen/Qwen2.5-Math-1.5B", "main")]
    [InlineData("microsoft/rho-math-1b-v0.1@v1.0", "microsoft/rho-math-1b-v0.1", "v1.0")]
    [InlineData("a/b@0123456789abcdef0123456789abcdef01234567", "a/b", "0123456789abcdef0123456789abcdef01234567")]
    public void Parses_hub_ids(string spec, string id, string revision)
    {
        var repo = HubRepo.TryParse(spec)!;
        Assert.Equal(id, repo.Id);
        Assert.Equal(revision, repo.Revision);
        Assert.Equal(revision.Length == 40, repo.RevisionIsCommit);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("./runs/model")]
    [InlineData("/abs/path")]
    [InlineData("a/b/c")]
    [InlineData("a--b/c")]
    [InlineData("a/b@")]
    [InlineData("-a/b")]
    public void Rejects_what_is_not_a_hub_id(string spec) => Assert.Null(HubRepo.TryParse(spec));

    [Fact]
    public void Folder_names_and_urls_follow_the_hub_layout()
    {
        var model = new HubRepo(HubRepoType.Model, "openai/gsm8k");
        var data = new HubRepo(HubRepoType.Dataset, "openai/gsm8k", "refs/convert/parquet");
        Assert.Equal("models--openai--gsm8k", model.FolderName);
        Assert.Equal("datasets--openai--gsm8k", data.FolderName);
        using var client = new HubClient(new HubSettings { CacheDir = "/tmp/x", Endpoint = "https://hub.example" });
        Assert.Equal("https://hub.example/datasets/openai/gsm8k/resolve/refs%2Fconvert%2Fparquet/main/test%20file.parquet",
            client.ResolveUri(data, "main/test file.parquet").AbsoluteUri);
        Assert.Equal("abc", HubClient.NormalizeEtag("W/\"abc\""));
    }

    [Fact]
    public void Settings_come_from_the_variables_python_tools_read()
    {
        static Func<string, string?> Env(params (string K, string V)[] vars) => k => vars.FirstOrDefault(v => v.K == k).V;
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, ".cache", "huggingface", "hub"), HubSettings.FromEnvironment(env: Env()).CacheDir);
        Assert.Equal("/x/hub", HubSettings.FromEnvironment(env: Env(("HF_HOME", "/x"))).CacheDir);
        Assert.Equal("/y", HubSettings.FromEnvironment(env: Env(("HF_HOME", "/x"), ("HF_HUB_CACHE", "/y"))).CacheDir);
        Assert.Equal("/z/huggingface/hub", HubSettings.FromEnvironment(env: Env(("XDG_CACHE_HOME", "/z"))).CacheDir);
        var s = HubSettings.FromEnvironment(env: Env(("HF_ENDPOINT", "http://mirror:8080/"), ("HF_TOKEN", "hf_x"), ("HF_HUB_OFFLINE", "1")));
        Assert.Equal("http://mirror:8080", s.Endpoint);
        Assert.Equal("hf_x", s.Token);
        Assert.True(s.Offline);
        Assert.False(HubSettings.FromEnvironment(env: Env(("HF_HUB_OFFLINE", "0"))).Offline);
        Assert.True(HubSettings.FromEnvironment(offline: true, env: Env()).Offline);
        Assert.Equal("https://huggingface.co", HubSettings.FromEnvironment(env: Env()).Endpoint);
    }

    [Theory]
    [InlineData("main/test-*.parquet", "main/test-00000-of-00001.parquet", true)]
    [InlineData("main/test-*.parquet", "socratic/test-00000-of-00001.parquet", false)]
    [InlineData("*/test-*.parquet", "algebra/test-00000-of-00001.parquet", true)]
    [InlineData("**/test-*.parquet", "test-00000-of-00001.parquet", true)]
    [InlineData("**/test-*.parquet", "a/b/test-1.parquet", true)]
    [InlineData("test.jsonl", "test.jsonl", true)]
    [InlineData("test.jsonl", "testXjsonl", false)]
    public void Globs_match_repository_paths(string pattern, string path, bool match) => Assert.Equal(match, FileGlob.IsMatch(pattern, path));

    [Fact]
    public void The_git_blob_hash_agrees_with_git_hash_object()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, HubTestContext.Bytes(5000, 11));
            string git;
            try
            {
                using var p = Process.Start(new ProcessStartInfo("git", ["hash-object", file]) { RedirectStandardOutput = true })!;
                git = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return; // no git on this machine: the fake Hub's own sha1 still checks the formula in FaultTests
            }
            Assert.Equal(git, BlobHash.Compute(file, git));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
