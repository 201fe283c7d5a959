using System.Collections;
using System.Text.Json.Nodes;
using Sift.Bench;

namespace Sift.Cli.Tests;

/// <summary>What `sift bench --json` says about the machine: the CPU's family line and the OPENBLAS_* variables.</summary>
public sealed class BenchMachineTests
{
    [Fact]
    public void OpenBlasVariables_AreTheOpenBlasEntriesOnly_Sorted()
    {
        var env = new Hashtable { ["PATH"] = "/bin", ["OPENBLAS_L2_SIZE"] = "512", ["OPENBLAS_CORETYPE"] = "Haswell", ["openblas_x"] = "no" };
        Assert.Equal(["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"], BenchMachine.OpenBlasVariables(env).Keys);
        Assert.Empty(BenchMachine.OpenBlasVariables(new Hashtable()));
    }

    [Fact]
    public void Json_NamesTheSignatureAndTheOpenBlasEnvironment()
    {
        var machine = new BenchMachine("AMD EPYC", 2, ["avx2"], "v512", "fma512", "OpenBLAS 0.3.21", "Cooperlake", "Cooperlake", null)
        {
            CpuSignature = "family 26 model 2 stepping 1",
            OpenBlasEnvironment = new Dictionary<string, string> { ["OPENBLAS_CORETYPE"] = "Haswell" },
        };
        JsonObject json = machine.ToJson();
        Assert.Equal("family 26 model 2 stepping 1", (string?)json["cpu_signature"]);
        Assert.Equal("Haswell", (string?)json["openblas_env"]!["OPENBLAS_CORETYPE"]);
        Assert.Empty(new BenchMachine("x", 1, [], "v256", "fma256", null, null, null, null).ToJson()["openblas_env"]!.AsObject());
    }
}
