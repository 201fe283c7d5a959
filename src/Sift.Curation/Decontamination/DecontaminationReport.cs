namespace Sift.Curation.Decontamination;

/// <summary>One of a benchmark item's nearest training items, with every similarity measured.</summary>
/// <param name="TrainIndex">0-based index of the training item among the file's items.</param>
/// <param name="Pass">The search pass that found it (later passes leave out items flagged before).</param>
/// <param name="Rank">1 = nearest by cosine (among the items not removed before this pass).</param>
/// <param name="Cosine">TF-IDF cosine.</param>
/// <param name="UnigramJaccard">Jaccard of the unigram sets.</param>
/// <param name="NgramJaccard">Jaccard of the n-gram sets.</param>
/// <param name="SameNumbers">Every number of the benchmark item occurs in the training item (as often).</param>
/// <param name="Flagged">Above a threshold (and, when required, with the same numbers).</param>
internal sealed record Neighbour(int TrainIndex, int Pass, int Rank, double Cosine, double UnigramJaccard, double NgramJaccard, bool SameNumbers, bool Flagged);

/// <summary>A flagged (benchmark item, training item) pair.</summary>
/// <param name="Benchmark">Benchmark name.</param>
/// <param name="Idx">The benchmark item's idx.</param>
/// <param name="Line">The benchmark item's line in its file.</param>
/// <param name="Text">The benchmark item's text.</param>
/// <param name="TrainIndex">The training item's index.</param>
/// <param name="TrainLine">The training item's first line.</param>
/// <param name="TrainLastLine">The training item's last line.</param>
/// <param name="TrainText">The training item's text.</param>
/// <param name="Pass">The pass that flagged it (1 = among the nearest items of the whole file).</param>
/// <param name="Rank">Its rank among the benchmark item's nearest training items in that pass.</param>
/// <param name="Cosine">TF-IDF cosine.</param>
/// <param name="UnigramJaccard">Unigram Jaccard.</param>
/// <param name="NgramJaccard">n-gram Jaccard.</param>
/// <param name="SameNumbers">Whether the training item holds all the benchmark item's numbers.</param>
internal sealed record FlaggedPair(
    string Benchmark, int Idx, int Line, string Text, int TrainIndex, int TrainLine, int TrainLastLine, string TrainText,
    int Pass, int Rank, double Cosine, double UnigramJaccard, double NgramJaccard, bool SameNumbers);

/// <summary>What was found for one benchmark.</summary>
/// <param name="Name">Benchmark name.</param>
/// <param name="Path">Its file (null when missing).</param>
/// <param name="Status"><c>checked</c> or <c>missing</c>.</param>
/// <param name="Reason">Why it is missing.</param>
/// <param name="Items">Items checked.</param>
/// <param name="FlaggedItems">Items with at least one flagged pair.</param>
/// <param name="FlaggedPairs">Flagged pairs.</param>
/// <param name="MaxCosine">Highest cosine of any item to any training item.</param>
/// <param name="MaxUnigramJaccard">Highest unigram Jaccard among the examined pairs.</param>
/// <param name="MaxNgramJaccard">Highest n-gram Jaccard among the examined pairs.</param>
internal sealed record BenchmarkSummary(
    string Name, string? Path, string Status, string? Reason, int Items, int FlaggedItems, int FlaggedPairs,
    double MaxCosine, double MaxUnigramJaccard, double MaxNgramJaccard);

/// <summary>The training file checked.</summary>
/// <param name="Path">The file.</param>
/// <param name="Format"><c>jsonl</c> or <c>text</c>.</param>
/// <param name="Fields">JSONL fields making an item's text (null for text).</param>
/// <param name="Items">Items read.</param>
/// <param name="SkippedLines">Malformed lines skipped.</param>
/// <param name="Tokens">Normalised tokens over all items.</param>
/// <param name="Vocabulary">Distinct tokens (training and benchmark).</param>
/// <param name="Postings">Inverted-index entries.</param>
internal sealed record TrainingSummary(string Path, string Format, IReadOnlyList<string>? Fields, int Items, int SkippedLines, long Tokens, int Vocabulary, long Postings);

/// <summary>The settings a report was made with, spelled out.</summary>
/// <param name="TopK">Nearest training items examined per benchmark item.</param>
/// <param name="UnigramThreshold">Unigram-Jaccard flag threshold (strictly above).</param>
/// <param name="NgramN">n of the n-gram Jaccard.</param>
/// <param name="NgramThreshold">n-gram flag threshold, or null.</param>
/// <param name="RequireSameNumbers">Whether flags need the same numbers.</param>
/// <param name="UntilClean">Whether flagged items were removed and the search repeated until none was flagged.</param>
/// <param name="Idf">The idf formula and the collection it is computed over.</param>
/// <param name="Normalisation">The text normalisation.</param>
internal sealed record DecontaminationSettings(int TopK, double UnigramThreshold, int NgramN, double? NgramThreshold, bool RequireSameNumbers, bool UntilClean, string Idf, string Normalisation);

/// <summary>Wall-clock seconds per step.</summary>
/// <param name="Read">Reading and normalising the training items.</param>
/// <param name="Index">Building the TF-IDF vectors and inverted index.</param>
/// <param name="Search">Normalising benchmark items and finding and scoring their neighbours.</param>
/// <param name="Total">Everything, report included.</param>
internal sealed record DecontaminationTimings(double Read, double Index, double Search, double Total);

/// <summary>The result of a decontamination run.</summary>
/// <param name="Settings">How items were matched.</param>
/// <param name="Training">The training file.</param>
/// <param name="Benchmarks">Per benchmark, in the order checked (missing ones included).</param>
/// <param name="Flagged">Every flagged pair, by benchmark, item and rank.</param>
/// <param name="FlaggedTrainingItems">Distinct training items in a flagged pair (what a clean copy leaves out).</param>
/// <param name="Passes">Search passes run.</param>
/// <param name="Converged">False when the pass limit stopped the removal before nothing more was flagged.</param>
/// <param name="Timings">Seconds per step.</param>
internal sealed record DecontaminationReport(
    DecontaminationSettings Settings, TrainingSummary Training, IReadOnlyList<BenchmarkSummary> Benchmarks,
    IReadOnlyList<FlaggedPair> Flagged, int FlaggedTrainingItems, int Passes, bool Converged, DecontaminationTimings Timings);
