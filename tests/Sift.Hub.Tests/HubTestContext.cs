using System.Text;

namespace Sift.Hub.Tests;

/// <summary>A fake Hub, a temporary cache folder and helpers to build resolvers against them.</summary>
internal sealed class HubTestContext : IDisposable
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";

    public HubTestContext()
    {
        Cache = Path.Combine(Path.GetTempPath(), "sift-hub-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Cache);
    }

    public FakeHub Hub { get; } = new();
    public string Cache { get; }
    public List<string> Notes { get; } = [];
    public List<DownloadProgress> Progress { get; } = [];

    public HubSettings Settings(bool offline = false, string? token = null, int attempts = 5, string? endpoint = null) => new()
    {
        Endpoint = endpoint ?? Hub.Endpoint,
        CacheDir = Cache,
        Offline = offline,
        Token = token,
        MaxAttempts = attempts,
        RetryDelay = TimeSpan.Zero,
    };

    public HubResolver Resolver(HubSettings? settings = null) => new(settings ?? Settings(), p =>
    {
        lock (Progress)
        {
            Progress.Add(p);
        }
    }, n =>
    {
        lock (Notes)
        {
            Notes.Add(n);
        }
    });

    /// <summary>A model repository: git files (config, tokenizer, generation config, README), an LFS weights file and an unused .bin.</summary>
    public FakeRepo AddModel(string id, int weightBytes = 300_000, bool gated = false, bool sharded = false)
    {
        var repo = new FakeRepo(Commit) { Gated = gated };
        repo.Files["config.json"] = Git("{\"model_type\": \"llama\", \"vocab_size\": 32}\n");
        repo.Files["tokenizer.json"] = Git("{\"version\": \"1.0\"}\n");
        repo.Files["generation_config.json"] = Git("{\"do_sample\": false}\n");
        repo.Files["README.md"] = Git("# a model\n");
        repo.Files["pytorch_model.bin"] = new FakeFile(Bytes(weightBytes, 7), lfs: true);
        if (sharded)
        {
            repo.Files["model.safetensors.index.json"] = Git("{\"metadata\": {}, \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\", \"c\": \"model-00001-of-00002.safetensors\"}}\n");
            repo.Files["model-00001-of-00002.safetensors"] = new FakeFile(Bytes(weightBytes, 1), lfs: true);
            repo.Files["model-00002-of-00002.safetensors"] = new FakeFile(Bytes(weightBytes / 2, 2), lfs: true);
        }
        else
        {
            repo.Files["model.safetensors"] = new FakeFile(Bytes(weightBytes, 3), lfs: true);
        }
        return Hub.Add(id, repo);
    }

    public static FakeFile Git(string text) => new(Encoding.UTF8.GetBytes(text), lfs: false);

    /// <summary>Deterministic pseudo-random bytes.</summary>
    public static byte[] Bytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    public string RepoDir(string folder) => Path.Combine(Cache, folder);

    public void Dispose()
    {
        Hub.Dispose();
        try
        {
            Directory.Delete(Cache, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
