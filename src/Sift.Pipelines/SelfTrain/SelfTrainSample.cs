using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sift.Pipelines.SelfTrain;

/// <summary>One graded sample: a line of an iteration's <c>samples.jsonl</c>.</summary>
internal sealed record SelfTrainSample
{
    /// <summary>0-based index of the problem in the problems file.</summary>
    public int Problem { get; init; }

    /// <summary>The problem's id.</summary>
    public string Id { get; init; } = "";

    /// <summary>0-based sample number of the problem.</summary>
    public int Sample { get; init; }

    /// <summary>The sampling seed (depends only on the run seed, the iteration, the problem and the sample).</summary>
    public ulong Seed { get; init; }

    /// <summary>The generated solution.</summary>
    public string Completion { get; init; } = "";

    /// <summary>With the sandbox verifier: the program's <c>str(solution())</c> ("" when it failed); null otherwise.</summary>
    public string? ProgramResult { get; init; }

    /// <summary>The extracted final answer ("" when none was found).</summary>
    public string Answer { get; init; } = "";

    /// <summary>Whether the answer equals the gold one (strict grading).</summary>
    public bool Correct { get; init; }

    /// <summary>What the verifier says about a wrong sample (null when correct); SAFE's repair prompts quote it.</summary>
    public string? Feedback { get; init; }

    /// <summary>stop, length or prompt_too_long.</summary>
    public string FinishReason { get; init; } = "";

    /// <summary>Generated tokens.</summary>
    public int Tokens { get; init; }
}

/// <summary>Source-generated JSON of the loop's files (snake_case names; nulls omitted).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SelfTrainSample))]
[JsonSerializable(typeof(SelfTrainExample))]
[JsonSerializable(typeof(SelfTrainIteration))]
[JsonSerializable(typeof(SelfTrainSummary))]
internal sealed partial class SelfTrainJson : JsonSerializerContext
{
    /// <summary>The same contract, indented (metrics.json, summary.json).</summary>
    public static SelfTrainJson Indented { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    });
}
