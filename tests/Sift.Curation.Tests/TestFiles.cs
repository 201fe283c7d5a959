using System.Text;
using System.Text.Json;

namespace Sift.Curation.Tests;

/// <summary>Temporary files for tests.</summary>
internal static class TestFiles
{
    public static string Dir() => Directory.CreateTempSubdirectory("sift-curation").FullName;

    /// <summary>A JSONL file with one object per record, each { field: text }.</summary>
    public static string Jsonl(string dir, string name, string field, IEnumerable<string> texts)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllLines(path, texts.Select(t => JsonSerializer.Serialize(new Dictionary<string, string> { [field] = t })), new UTF8Encoding(false));
        return path;
    }

    public static string Raw(string dir, string name, string content)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }
}
