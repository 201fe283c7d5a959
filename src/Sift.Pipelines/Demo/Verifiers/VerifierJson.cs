using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sift.Core;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>Source-generated JSON for the verifier demo's stage records, samples, scores and summary.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SolutionSample))]
[JsonSerializable(typeof(SampleScores))]
[JsonSerializable(typeof(VerifierStageInputs))]
[JsonSerializable(typeof(SamplesStageResult))]
[JsonSerializable(typeof(LabelsStageResult))]
[JsonSerializable(typeof(ScoresStageResult))]
[JsonSerializable(typeof(VerifierSummary))]
internal sealed partial class VerifierJson : JsonSerializerContext
{
    /// <summary>The same contract, indented (summary.json).</summary>
    public static VerifierJson Indented { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    });
}

/// <summary>Reads JSONL files of one record type.</summary>
internal static class JsonlRecords
{
    /// <summary>Every non-blank line of <paramref name="path"/> as <typeparamref name="T"/>; a bad line is a <see cref="SiftException"/> naming it.</summary>
    public static List<T> Read<T>(string path, JsonTypeInfo<T> info)
    {
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: file not found");
        }
        var list = new List<T>();
        int n = 0;
        foreach (string line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                list.Add(JsonSerializer.Deserialize(line, info) ?? throw new SiftException($"{path}:{n}: expected a JSON object"));
            }
            catch (JsonException ex)
            {
                throw new SiftException($"{path}:{n}: expected a {typeof(T).Name} record: {ex.Message}");
            }
        }
        return list;
    }
}
