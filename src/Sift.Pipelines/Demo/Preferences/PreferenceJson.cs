using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sift.Pipelines.Demo.Preferences;

/// <summary>Source-generated JSON for the preference demo's stage records and summary (the same options as <see cref="PipelinesJson"/>).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ProblemsStageInputs))]
[JsonSerializable(typeof(ProblemsStageResult))]
[JsonSerializable(typeof(SelfTrainStageInputs))]
[JsonSerializable(typeof(SelfTrainStageResult))]
[JsonSerializable(typeof(PreferenceSummary))]
internal sealed partial class PreferenceJson : JsonSerializerContext
{
    /// <summary>The same contract, indented (summary.json).</summary>
    public static PreferenceJson Indented { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    });
}
