using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sift.Eval.Reporting;

/// <summary>JSON writing for evaluation files: readable LaTeX and math (<c>+</c>, <c>&lt;</c>, non-ASCII kept as is).</summary>
internal static class EvalJson
{
    /// <summary>One compact line (samples.jsonl).</summary>
    public static JsonSerializerOptions Line { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Indented (metrics.json, run.json).</summary>
    public static JsonSerializerOptions Indented { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    /// <summary>A float setting as the decimal the user typed (0.8, not 0.800000011920929).</summary>
    public static double Setting(float v) => double.Parse(v.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
}
