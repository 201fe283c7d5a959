namespace Sift.Data;

/// <summary>
/// Streams document texts from the same inputs `sift data pack` accepts (JSONL field or text blocks, files or
/// folders), without tokenising: used to train tokenizers on a corpus.
/// </summary>
public static class CorpusText
{
    /// <summary>Yields each document's text in input order; errors name the file and line.</summary>
    public static IEnumerable<string> Read(IEnumerable<string> inputs, PackOptions? options = null)
    {
        options ??= new PackOptions();
        var files = ShardPacker.ExpandInputs(inputs);
        var reader = new DocumentReader(options);
        foreach (var doc in reader.Read(files))
        {
            yield return DocumentReader.TextOf(doc, options.TextField);
        }
    }
}
