using System.CommandLine;
using Sift.Engine.Model;

namespace Sift.Cli.Commands;

/// <summary>The <c>--weights f32|bf16|f16</c> option of the commands that run a local model for inference.</summary>
internal static class WeightsOption
{
    /// <summary>Creates the option (default f32).</summary>
    public static Option<string> Create()
    {
        var o = new Option<string>("--weights")
        {
            Description = "Resident weight format of a local model: f32 | bf16 | f16 (16-bit weights are widened inside the kernels: half the memory, faster decoding)",
            DefaultValueFactory = _ => "f32",
        };
        o.AcceptOnlyFromAmong("f32", "bf16", "f16");
        return o;
    }

    /// <summary>The chosen format.</summary>
    public static WeightFormat Get(ParseResult pr, Option<string> option) => WeightFormats.Parse(pr.GetValue(option)!);
}
