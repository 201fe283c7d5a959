using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.Pipelines.Training;

/// <summary>
/// <c>checksums.json</c> of a training checkpoint: the size and SHA-256 of every file in it, recorded at save
/// time and verified before a resume, so a truncated or corrupted checkpoint fails naming the file and what
/// was expected instead of resuming from damaged weights or moments.
/// </summary>
internal static class CheckpointChecksums
{
    /// <summary>The file name inside a checkpoint folder.</summary>
    public const string FileName = "checksums.json";

    /// <summary>Hashes every file of <paramref name="dir"/> (except this one) and writes the list atomically.</summary>
    public static void Write(string dir)
    {
        var files = new JsonObject();
        foreach (string path in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            if (name == FileName)
            {
                continue;
            }
            files[name] = new JsonObject { ["bytes"] = new FileInfo(path).Length, ["sha256"] = Hashing.Sha256File(path) };
        }
        var doc = new JsonObject { ["algorithm"] = "sha256", ["files"] = files };
        AtomicFile.WriteAllText(Path.Combine(dir, FileName), doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>
    /// Checks the listed files (a checkpoint written before checksums existed has no list and passes).
    /// </summary>
    /// <exception cref="SiftException">A listed file is missing, has another size, or another SHA-256.</exception>
    public static void Verify(string dir)
    {
        string listPath = Path.Combine(dir, FileName);
        if (!File.Exists(listPath))
        {
            return;
        }
        JsonObject files;
        try
        {
            files = JsonNode.Parse(File.ReadAllText(listPath))?["files"] as JsonObject
                ?? throw new SiftException($"{listPath}: expected an object with a \"files\" object");
        }
        catch (JsonException e)
        {
            throw new SiftException($"{listPath}: not valid JSON ({e.Message}); the checkpoint is damaged");
        }
        foreach (var (name, entry) in files)
        {
            string path = Path.Combine(dir, name);
            long expectedBytes = entry?["bytes"]?.GetValue<long>() ?? throw new SiftException($"{listPath}: files.\"{name}\" has no \"bytes\"");
            string expectedSha = entry["sha256"]?.GetValue<string>() ?? throw new SiftException($"{listPath}: files.\"{name}\" has no \"sha256\"");
            if (!File.Exists(path))
            {
                throw new SiftException($"{path}: missing; the checkpoint was saved with it ({expectedBytes} bytes)");
            }
            long bytes = new FileInfo(path).Length;
            if (bytes != expectedBytes)
            {
                throw new SiftException($"{path}: {bytes} bytes, expected {expectedBytes} as saved (truncated or replaced?)");
            }
            string sha = Hashing.Sha256File(path);
            if (sha != expectedSha)
            {
                throw new SiftException($"{path}: SHA-256 {sha} does not match {expectedSha} recorded when the checkpoint was saved (corrupted file)");
            }
        }
    }
}
