using System.Text.Json;
using Sift.Engine.Kernels.Gemm;

namespace Sift.Engine.Tests.Kernels.Gemm;

/// <summary>The measured choice between OpenBLAS's AVX2 core and its AVX-512 one: a margin, measured once per machine, cached.</summary>
public sealed class OpenBlasCoreChoiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sift-corechoice-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Func<string, OpenBlasCoreMeasurement> Counting(double haswell, double skylakeX, List<string> calls) => machine =>
    {
        calls.Add(machine);
        return new OpenBlasCoreMeasurement(machine, OpenBlasCoreChoice.Pick("Haswell", haswell, "SkylakeX", skylakeX),
            "Haswell", haswell, "SkylakeX", skylakeX);
    };

    [Theory]
    [InlineData(108, 201, "SkylakeX")] // Zen 5, one thread (README)
    [InlineData(100, 102, "Haswell")] // within the margin: OpenBLAS's own choice stays
    [InlineData(100, 90, "Haswell")]
    [InlineData(100, 0, "Haswell")] // the wider core could not be loaded
    public void Pick_TakesTheWiderCoreOnlyWhenClearlyFaster(double haswell, double skylakeX, string expected) =>
        Assert.Equal(expected, OpenBlasCoreChoice.Pick("Haswell", haswell, "SkylakeX", skylakeX));

    [Fact]
    public void MeasuresOncePerMachine_AndKeepsOtherMachines()
    {
        string path = Path.Combine(_dir, "sub", OpenBlasCoreChoice.FileName);
        var calls = new List<string>();
        Assert.Equal("SkylakeX", OpenBlasCoreChoice.Choose(path, "cpu A", Counting(100, 200, calls)).Core);
        Assert.Equal("SkylakeX", OpenBlasCoreChoice.Choose(path, "cpu A", Counting(200, 100, calls)).Core); // cached
        Assert.Equal("Haswell", OpenBlasCoreChoice.Choose(path, "cpu B", Counting(200, 100, calls)).Core);
        Assert.Equal(["cpu A", "cpu B"], calls);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal(2, doc.RootElement.GetArrayLength());
        Assert.Equal(200, doc.RootElement[0].GetProperty("WiderGflops").GetDouble());
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[{\"Machine\": \"cpu A\", \"Core\": \"Prescott\", \"DefaultCore\": \"Haswell\", \"WiderCore\": \"SkylakeX\"}]")]
    [InlineData("[null, {}]")]
    public void DamagedOrUnknownCache_IsMeasuredAgain_AndRewritten(string content)
    {
        string path = Path.Combine(_dir, OpenBlasCoreChoice.FileName);
        File.WriteAllText(path, content);
        var calls = new List<string>();
        Assert.Equal("SkylakeX", OpenBlasCoreChoice.Choose(path, "cpu A", Counting(100, 200, calls)).Core);
        Assert.Equal("SkylakeX", OpenBlasCoreChoice.Choose(path, "cpu A", Counting(200, 100, calls)).Core);
        Assert.Single(calls);
    }

    [Fact]
    public void ForgetCalibration_DeletesTheCoreChoiceToo()
    {
        string calibration = Path.Combine(_dir, "gemm-calibration.json");
        File.WriteAllText(calibration, "[]");
        File.WriteAllText(OpenBlasCoreChoice.Beside(calibration), "[]");
        IReadOnlyList<string> deleted = GemmFactory.ForgetCalibration(calibration);
        Assert.Contains(OpenBlasCoreChoice.Beside(calibration), deleted);
        Assert.False(File.Exists(OpenBlasCoreChoice.Beside(calibration)));
    }
}
