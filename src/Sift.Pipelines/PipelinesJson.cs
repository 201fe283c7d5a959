using System.Text.Json;
using System.Text.Json.Serialization;
using Sift.Pipelines.Demo;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines;

/// <summary>
/// Source-generated JSON for the records that cross between stages and files: metrics lines, stage records and
/// results. Null fields are omitted; non-finite numbers are written as "NaN"/"Infinity".
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(MetricsLine))]
[JsonSerializable(typeof(StageState))]
[JsonSerializable(typeof(Dictionary<string, TierEval>))]
[JsonSerializable(typeof(SynthStageInputs))]
[JsonSerializable(typeof(SynthStageResult))]
[JsonSerializable(typeof(TrainStageInputs))]
[JsonSerializable(typeof(TrainStageResult))]
[JsonSerializable(typeof(ScoreStageInputs))]
[JsonSerializable(typeof(ScoreStageResult))]
[JsonSerializable(typeof(Selective.WindowExportIndex))]
internal sealed partial class PipelinesJson : JsonSerializerContext
{
    /// <summary>The same contract, indented (stage.json, for people reading the folder).</summary>
    public static PipelinesJson Indented { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    });
}
