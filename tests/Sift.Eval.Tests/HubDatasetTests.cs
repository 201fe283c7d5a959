using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Parquet.Serialization;
using Sift.Core;
using Sift.Eval.Datasets;
using Sift.Hub;
using Sift.Hub.Tests;

namespace Sift.Eval.Tests;

/// <summary>Benchmarks from Parquet files and from Hub dataset repositories (a local fake Hub), with the mirror and --data.</summary>
public sealed class HubDatasetTests : IDisposable
{
    private const string Commit = "fedcba9876543210fedcba9876543210fedcba98";
    private readonly string _dir = TestPaths.TempDir();

    public sealed class GsmRow
    {
        [JsonPropertyName("question")]
        public string Question { get; set; } = "";

        [JsonPropertyName("answer")]
        public string Answer { get; set; } = "";
    }

    public sealed class MmluRow
    {
        [JsonPropertyName("question")]
        public string Question { get; set; } = "";

        [JsonPropertyName("subject")]
        public string Subject { get; set; } = "";

        [JsonPropertyName("choices")]
        public List<string> Choices { get; set; } = [];

        [JsonPropertyName("answer")]
        public long Answer { get; set; }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<GsmRow> GoldenGsm() => [.. File.ReadLines(TestPaths.Golden("records", "gsm8k.jsonl"))
        .Select(l => JsonNode.Parse(l)!.AsObject())
        .Select(o => new GsmRow { Question = (string)o["question"]!, Answer = (string)o["answer"]! })];

    private string GsmParquet(string name = "test.parquet")
    {
        string path = Path.Combine(_dir, name);
        ParquetSerializer.SerializeAsync(GoldenGsm(), path).GetAwaiter().GetResult();
        return path;
    }

    [Fact]
    public void A_parquet_benchmark_loads_the_same_problems_as_its_jsonl()
    {
        var def = DatasetRegistry.Get("gsm8k");
        var fromJsonl = DatasetLoader.Load(def, TestPaths.Golden("records", "gsm8k.jsonl"));
        var fromParquet = DatasetLoader.Load(def, DatasetLoader.Locate(def, GsmParquet(), null));
        Assert.Equal(fromJsonl.Problems.Select(p => (p.Idx, p.Question, p.Gold, p.CompatGold)), fromParquet.Problems.Select(p => (p.Idx, p.Question, p.Gold, p.CompatGold)));
    }

    [Fact]
    public async Task A_parquet_benchmark_without_the_needed_column_lists_the_columns()
    {
        string path = Path.Combine(_dir, "q.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new MmluRow { Question = "q", Subject = "s", Choices = ["a", "b", "c", "d"] } }, path);
        // gsm8k reads "question" and the string "answer"; MMLU's "answer" is an index, and "solution" is absent for math.
        var ex = Assert.Throws<SiftException>(() => DatasetLoader.Load(DatasetRegistry.Get("math"), path));
        Assert.Contains(path + ":1: missing field \"solution\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("columns present: question, subject, choices, answer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Published_columns_are_renamed_to_the_harness_fields()
    {
        string path = Path.Combine(_dir, "mmlu.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new MmluRow { Question = "Is 7 prime?", Subject = "college_mathematics", Choices = ["yes", "no", "maybe", "never"], Answer = 0 } }, path);
        var def = DatasetRegistry.Get("mmlu_stem");
        var ds = DatasetLoader.Load(def, new DatasetFiles([path], "test") { Rename = def.Hub!.Rename });
        var p = Assert.Single(ds.Problems);
        Assert.Equal("college_mathematics", p.Subject);
        Assert.Equal("A", p.Gold);
        Assert.Contains("(A) yes", p.Question, StringComparison.Ordinal);
    }

    [Fact]
    public void A_benchmark_comes_from_its_hub_dataset_into_the_shared_cache_and_then_offline()
    {
        using var hub = new FakeHub();
        var file = new FakeFile(File.ReadAllBytes(GsmParquet()), lfs: true);
        var repo = new FakeRepo(Commit);
        repo.Files["main/test-00000-of-00001.parquet"] = file;
        repo.Files["main/train-00000-of-00001.parquet"] = new FakeFile([1, 2, 3], lfs: true);
        repo.Files["README.md"] = new FakeFile("# gsm8k\n"u8.ToArray(), lfs: false);
        hub.Add("datasets/openai/gsm8k", repo);
        string cache = Path.Combine(_dir, "hub");
        var def = DatasetRegistry.Get("gsm8k") with
        {
            Hub = DatasetRegistry.Get("gsm8k").Hub! with { Sha256 = new Dictionary<string, string> { ["main/test-00000-of-00001.parquet"] = file.Sha256 } },
        };
        Assert.Equal(["main/test-*.parquet"], def.Hub!.Files);
        var settings = new HubSettings { Endpoint = hub.Endpoint, CacheDir = cache, RetryDelay = TimeSpan.Zero };

        DatasetFiles located;
        using (var resolver = new HubResolver(settings))
        {
            located = DatasetLoader.Locate(def, null, resolver, shared: null);
        }

        string expected = Path.Combine(cache, "datasets--openai--gsm8k", "snapshots", Commit, "main", "test-00000-of-00001.parquet");
        Assert.Equal([expected], located.Paths);
        Assert.Equal(file.Content.Length, hub.ServedFor(file));
        Assert.DoesNotContain(hub.Log, l => l.Contains("train-", StringComparison.Ordinal));
        Assert.Equal(GoldenGsm().Count, DatasetLoader.Load(def, located).Problems.Count);

        using var offline = new HubResolver(settings with { Offline = true, Endpoint = "http://127.0.0.1:1" });
        Assert.Equal([expected], DatasetLoader.Locate(def, null, offline, shared: null).Paths);

        // A pin that does not match: the cached file is refused (and so would a download be).
        var wrong = def with { Hub = def.Hub with { Sha256 = new Dictionary<string, string> { ["main/test-00000-of-00001.parquet"] = new string('0', 64) } } };
        var ex = Assert.Throws<SiftException>(() => DatasetLoader.Locate(wrong, null, offline, shared: null));
        Assert.Contains("pins " + new string('0', 64), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_mirror_is_tried_before_the_hub_and_data_before_both()
    {
        string mirror = Path.Combine(_dir, "data");
        Directory.CreateDirectory(Path.Combine(mirror, "gsm8k"));
        File.Copy(TestPaths.Golden("records", "gsm8k.jsonl"), Path.Combine(mirror, "gsm8k", "test.jsonl"));
        var def = DatasetRegistry.Get("gsm8k");
        using var unreachable = new HubResolver(new HubSettings { Endpoint = "http://127.0.0.1:1", CacheDir = Path.Combine(_dir, "hub") });
        Assert.Equal([Path.Combine(mirror, "gsm8k", "test.jsonl")], DatasetLoader.Locate(def, null, unreachable, mirror).Paths);
        string data = GsmParquet();
        Assert.Equal([data], DatasetLoader.Locate(def, data, unreachable, mirror).Paths);
    }

    [Fact]
    public void With_nothing_available_the_error_names_all_three_ways()
    {
        using var offline = new HubResolver(new HubSettings { Offline = true, CacheDir = Path.Combine(_dir, "hub") });
        var ex = Assert.Throws<SiftException>(() => DatasetLoader.Locate(DatasetRegistry.Get("gsm8k"), null, offline, shared: null));
        Assert.Contains("--data", ex.Message, StringComparison.Ordinal);
        Assert.Contains("local mirror", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Hugging Face Hub: openai/gsm8k", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HF_HUB_OFFLINE", ex.Message, StringComparison.Ordinal);
        var noHub = Assert.Throws<SiftException>(() => DatasetLoader.Locate(DatasetRegistry.Get("mawps"), null, offline, shared: null));
        Assert.Contains("no Hub dataset publishes", noHub.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_benchmark_has_a_hub_source_or_says_why_not()
    {
        foreach (var d in DatasetRegistry.All)
        {
            Assert.True(d.Hub is not null ^ d.NoHubReason is not null, d.Name);
            if (d.Hub is { } h)
            {
                Assert.NotNull(HubRepo.TryParse(h.Repo));
                Assert.NotEmpty(h.Files);
                // Nothing is pinned that was not verified: an unpinned entry says so.
                Assert.True(h.Pinned || h.Note.Contains("not verified", StringComparison.Ordinal), d.Name);
            }
        }
        Assert.Equal(18, DatasetRegistry.Get("mmlu_stem").Hub!.Files.Count);
    }
}
