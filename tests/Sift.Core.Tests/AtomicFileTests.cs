using Sift.Core.IO;

namespace Sift.Core.Tests;

public sealed class AtomicFileTests
{
    [Fact]
    public void Write_ReplacesContentAndLeavesNoTempFiles()
    {
        string dir = Directory.CreateTempSubdirectory("sift-atomic").FullName;
        string path = Path.Combine(dir, "a.txt");
        AtomicFile.WriteAllText(path, "first");
        AtomicFile.WriteAllText(path, "second");
        Assert.Equal("second", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir));
    }

    [Fact]
    public void Write_WhenWriterThrows_KeepsOldContent()
    {
        string dir = Directory.CreateTempSubdirectory("sift-atomic").FullName;
        string path = Path.Combine(dir, "a.txt");
        AtomicFile.WriteAllText(path, "good");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.WriteByte(1);
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal("good", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir));
    }

    [Fact]
    public void Sha256Hex_MatchesKnownVector()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            Hashing.Sha256Hex("abc"u8));
    }
}
