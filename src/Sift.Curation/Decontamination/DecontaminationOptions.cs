using Sift.Core;
using Sift.Eval.Datasets;

namespace Sift.Curation.Decontamination;

/// <summary>
/// How benchmark items are matched against training items. The defaults are Orca-Math's check (spec §5.3): the
/// 10 nearest training items by TF-IDF cosine, flagged when their unigram-set Jaccard exceeds 0.5.
/// </summary>
internal sealed record DecontaminationOptions
{
    /// <summary>Nearest training items examined per benchmark item.</summary>
    public int TopK { get; init; } = 10;

    /// <summary>A pair is flagged when its unigram Jaccard is above this (strictly).</summary>
    public double UnigramThreshold { get; init; } = 0.5;

    /// <summary>n of the n-gram Jaccard reported for every examined pair.</summary>
    public int NgramN { get; init; } = 3;

    /// <summary>When set, a pair whose n-gram Jaccard is above this is flagged too.</summary>
    public double? NgramThreshold { get; init; }

    /// <summary>
    /// Flag only pairs where every number of the benchmark item also occurs in the training item: the same problem,
    /// not the same wording with other numbers. For templated data, where siblings share most words.
    /// </summary>
    public bool RequireSameNumbers { get; init; }

    /// <summary>
    /// Remove flagged training items and search again for the benchmark items that had one among their nearest, until
    /// no pass flags anything: then no benchmark item's <see cref="TopK"/> nearest remaining items (idf still over the
    /// whole file) hold a flagged pair, which is what a clean copy should satisfy. Off: one pass, Orca-Math's check.
    /// </summary>
    public bool UntilClean { get; init; } = true;

    /// <summary>Search threads.</summary>
    public int Threads { get; init; } = Math.Min(2, Environment.ProcessorCount);

    /// <summary>Malformed training or test lines: stop (default) or skip and count.</summary>
    public BadLinePolicy BadLines { get; init; } = BadLinePolicy.Abort;

    /// <summary>Throws a <see cref="SiftException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (TopK < 1 || TopK > 1000)
        {
            throw new SiftException($"top-k: expected 1 .. 1000, got {TopK}");
        }
        if (!(UnigramThreshold >= 0 && UnigramThreshold <= 1))
        {
            throw new SiftException($"threshold: expected a Jaccard in [0, 1], got {UnigramThreshold}");
        }
        if (NgramN < 1 || NgramN > 32)
        {
            throw new SiftException($"ngram: expected n in 1 .. 32, got {NgramN}");
        }
        if (NgramThreshold is { } t && !(t >= 0 && t <= 1))
        {
            throw new SiftException($"ngram-threshold: expected a Jaccard in [0, 1], got {t}");
        }
        if (Threads < 1)
        {
            throw new SiftException($"threads: expected at least 1, got {Threads}");
        }
    }
}

/// <summary>A benchmark (or test-file) item to check.</summary>
/// <param name="Idx">The benchmark's own index (the harness idx), or the item's position in a test file.</param>
/// <param name="Line">1-based line in its file.</param>
/// <param name="Text">The question as checked.</param>
internal sealed record BenchmarkItem(int Idx, int Line, string Text);

/// <summary>A benchmark to check, or one that could not be found (<see cref="Missing"/> says why).</summary>
/// <param name="Name">Benchmark name (or the test file's name).</param>
/// <param name="Path">Its file, when found.</param>
/// <param name="Items">Its items (empty when missing).</param>
/// <param name="Missing">Why it is not checked, or null.</param>
internal sealed record BenchmarkInput(string Name, string? Path, IReadOnlyList<BenchmarkItem> Items, string? Missing = null);
