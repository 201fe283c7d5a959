using System.Runtime.Intrinsics;
using System.Text.Json;
using Sift.Engine.Kernels.Gemm;

namespace Sift.Engine.Tests.Kernels.Gemm;

/// <summary>The managed GEMM's measured kernel choice: measured once per machine, cached, measured again when damaged.</summary>
public sealed class ManagedKernelChoiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sift-kernelchoice-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Func<string, ManagedKernelMeasurement> Counting(string kernel, List<string> calls) => machine =>
    {
        calls.Add(machine);
        return new ManagedKernelMeasurement(machine, kernel, 100, 120);
    };

    [Fact]
    public void MeasuresOncePerMachine_AndKeepsOtherMachines()
    {
        string path = Path.Combine(_dir, "sub", ManagedKernelChoice.FileName);
        var calls = new List<string>();
        Assert.Equal("fma256", ManagedKernelChoice.Choose(path, "cpu A", Counting("fma256", calls)).Kernel);
        Assert.Equal("fma256", ManagedKernelChoice.Choose(path, "cpu A", Counting("fma512", calls)).Kernel); // cached
        Assert.Equal("fma512", ManagedKernelChoice.Choose(path, "cpu B", Counting("fma512", calls)).Kernel);
        Assert.Equal(["cpu A", "cpu B"], calls);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal(2, doc.RootElement.GetArrayLength());
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[{\"Machine\": \"cpu A\", \"Kernel\": \"avx9000\", \"Fma512Gflops\": 1, \"Fma256Gflops\": 2}]")]
    [InlineData("[null, {}]")]
    public void DamagedOrUnknownCache_IsMeasuredAgain_AndRewritten(string content)
    {
        string path = Path.Combine(_dir, ManagedKernelChoice.FileName);
        File.WriteAllText(path, content);
        var calls = new List<string>();
        Assert.Equal("fma512", ManagedKernelChoice.Choose(path, "cpu A", Counting("fma512", calls)).Kernel);
        Assert.Equal("fma512", ManagedKernelChoice.Choose(path, "cpu A", Counting("fma256", calls)).Kernel);
        Assert.Single(calls);
    }

    [Fact]
    public void NoCacheDirectory_StillChooses()
    {
        var calls = new List<string>();
        Assert.Equal("fma256", ManagedKernelChoice.Choose(null, "cpu A", Counting("fma256", calls)).Kernel);
        Assert.Equal("fma256", ManagedKernelChoice.Choose(null, "cpu A", Counting("fma256", calls)).Kernel);
        Assert.Equal(2, calls.Count); // nothing to remember it in
    }

    [Fact]
    public void Resolve_HonoursTheOverride_AndMeasuresOnlyWhereAvx512CanRunEitherKernel()
    {
        string path = Path.Combine(_dir, ManagedKernelChoice.FileName);
        if (!Vector512.IsHardwareAccelerated)
        {
            // Nothing to choose: the widest accelerated kernel, whatever the override says, and no file written.
            Assert.NotEqual("Fma512", ManagedKernelChoice.Resolve(path, "fma512").ToString());
            Assert.False(File.Exists(path));
            return;
        }
        Assert.Equal("Fma512", ManagedKernelChoice.Resolve(path, "FMA512").ToString());
        Assert.Equal("Fma256", ManagedKernelChoice.Resolve(path, " fma256 ").ToString());
        Assert.False(File.Exists(path)); // an override measures nothing
        string measured = ManagedKernelChoice.Resolve(path, "nonsense").ToString();
        Assert.Contains(measured, new[] { "Fma512", "Fma256" });
        Assert.Contains($"\"{measured.ToLowerInvariant()}\"", File.ReadAllText(path));
    }
}
