using System.Text.Json;
using Sift.Engine.Kernels.Gemm;
using Xunit.Abstractions;

namespace Sift.Engine.Tests.Kernels.Gemm;

public sealed class AutoGemmTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sift-autogemm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private AutoGemm? CreateOrSkip(string cache)
    {
        if (OpenBlasGemm.TryCreate(2, out OpenBlasGemm? blas))
        {
            return new AutoGemm(blas, new ManagedGemm(2), cache);
        }
        output.WriteLine("SKIPPED: OpenBLAS is not installed; auto is then plain managed.");
        return null;
    }

    [Fact]
    public void CalibratedShapes_MatchNaive_AndAreCachedPerMachine()
    {
        string cache = Path.Combine(_dir, "gemm-calibration.json");
        if (CreateOrSkip(cache) is not { } auto)
        {
            return;
        }
        GemmConformance.EdgeCases(auto);
        var shapes = new[] { (false, true, 200, 160, 96), (true, false, 130, 96, 200), (false, false, 64, 64, 64) };
        foreach (var (ta, tb, m, n, k) in shapes)
        {
            var g = GemmCase.Create(m + n + k, ta, tb, m, n, k, 1.5f, 0.5f, 1, 2, 3);
            g.AssertMatchesNaive(g.Run(auto), $"auto {ta}{tb} {m}x{n}x{k}");
        }
        // The two big shapes were measured (rows bucketed to 256); the small one went to managed unmeasured.
        string[] measured = auto.Choices.Select(c => c.Shape).ToArray();
        Assert.Contains("NT 256x160x96", measured);
        Assert.Contains("TN 256x96x200", measured);
        Assert.DoesNotContain(measured, s => s.EndsWith(" 64x64x64", StringComparison.Ordinal));
        Assert.All(auto.Choices, c => Assert.True(c.OpenBlasGflops > 0 && c.ManagedGflops > 0));
        Assert.Same(auto.Route(false, true, 200, 160, 96), auto.Route(false, true, 150, 160, 96));
        foreach (GemmChoice c in auto.Choices)
        {
            output.WriteLine($"{c.Shape}: {c.Backend} (openblas {c.OpenBlasGflops} GFLOP/s, managed {c.ManagedGflops})");
        }

        // A second AutoGemm in this process shares the choices; a fresh table (another process) reads the file.
        AutoGemm again = CreateOrSkip(cache)!;
        Assert.Equal(auto.Choices, again.Choices);
        var fromFile = new GemmCalibration(cache, GemmCalibration.MachineKey(new ManagedGemm(2).KernelName, 2));
        Assert.Equal(auto.Choices, fromFile.Choices);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(cache));
        Assert.Equal(measured.Length, doc.RootElement.GetArrayLength());
    }

    [Fact]
    public void ForgetCalibration_DeletesTheCacheFiles_AndANewTableStartsEmpty()
    {
        string cache = Path.Combine(_dir, "forget", "gemm-calibration.json");
        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        string machine = GemmCalibration.MachineKey(new ManagedGemm(1).KernelName, 1);
        File.WriteAllText(cache, "[{\"Machine\": " + JsonSerializer.Serialize(machine) +
            ", \"Choice\": {\"Shape\": \"NN 256x64x64\", \"Backend\": \"managed\", \"OpenBlasGflops\": 1, \"ManagedGflops\": 2}}]");
        Assert.NotEmpty(new GemmCalibration(cache, machine).Choices);
        string kernelChoice = Path.Combine(Path.GetDirectoryName(cache)!, ManagedKernelChoice.FileName);
        File.WriteAllText(kernelChoice, "[]");
        Assert.Equal([cache, kernelChoice], GemmFactory.ForgetCalibration(cache));
        Assert.False(File.Exists(cache));
        Assert.False(File.Exists(kernelChoice));
        Assert.Empty(new GemmCalibration(cache, machine).Choices);
        Assert.Empty(GemmFactory.ForgetCalibration(cache)); // nothing left to delete
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[null, {}, {\"Machine\": \"x\"}]")]
    public void DamagedCache_IsRemeasured(string content)
    {
        string cache = Path.Combine(_dir, "broken.json");
        File.WriteAllText(cache, content);
        if (CreateOrSkip(cache) is not { } auto)
        {
            return;
        }
        Assert.Empty(auto.Choices);
        var g = GemmCase.Create(5, false, false, 150, 150, 150);
        g.AssertMatchesNaive(g.Run(auto), "auto");
        Assert.Single(auto.Choices);
        Assert.Single(JsonDocument.Parse(File.ReadAllText(cache)).RootElement.EnumerateArray());
    }
}
