using Sift.Core;
using Sift.Curation.Input;
using Sift.Eval.Datasets;

namespace Sift.Curation.Decontamination;

/// <summary>Benchmark items to check: the registry's benchmarks (resolved like <c>sift eval</c>) or any test file.</summary>
internal static class BenchmarkInputs
{
    /// <summary>
    /// The benchmarks named (or all eleven), each read through its definition from <paramref name="data"/> (a file or
    /// a folder in the harness layout) or the shared data folder. One that cannot be found is returned with
    /// <see cref="BenchmarkInput.Missing"/> set; a file that exists but does not parse is an error.
    /// </summary>
    public static List<BenchmarkInput> FromRegistry(IEnumerable<string>? names, string? data, BadLinePolicy policy = BadLinePolicy.Abort)
    {
        var defs = names is null ? DatasetRegistry.All : names.Select(DatasetRegistry.Get).DistinctBy(d => d.Name).ToList();
        var inputs = new List<BenchmarkInput>();
        foreach (var def in defs)
        {
            string path;
            try
            {
                path = DatasetLoader.Resolve(def, data);
            }
            catch (SiftException ex)
            {
                inputs.Add(new BenchmarkInput(def.Name, null, [], ex.Message));
                continue;
            }
            var ds = DatasetLoader.Load(def, path, policy);
            inputs.Add(new BenchmarkInput(def.Name, path, [.. ds.Problems.Select(p => new BenchmarkItem(p.Idx, p.Line, QuestionText(p.Question)))]));
        }
        return inputs;
    }

    /// <summary>A test file's items (JSONL fields or text), named by <paramref name="name"/> or the file name.</summary>
    public static BenchmarkInput FromFile(TextSource source, string? name = null, BadLinePolicy policy = BadLinePolicy.Abort)
    {
        var report = new ReadReport();
        var items = TextItemReader.Read(source, policy, report).Select(i => new BenchmarkItem(i.Index, i.FirstLine, i.Text)).ToList();
        if (items.Count == 0)
        {
            throw new SiftException($"{source.Path}: no items to check");
        }
        return new BenchmarkInput(name ?? Path.GetFileNameWithoutExtension(source.Path), Path.GetFullPath(source.Path), items);
    }

    /// <summary>
    /// The question as the harness poses it, minus the instruction line it appends to multiple-choice questions
    /// ("What of the following is the right choice? …"), which is prompt wording rather than benchmark content;
    /// the options stay.
    /// </summary>
    internal static string QuestionText(string question) => question.Replace(DatasetRegistry.McSuffix, "\n", StringComparison.Ordinal);
}
