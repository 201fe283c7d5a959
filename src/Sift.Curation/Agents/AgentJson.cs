using System.Text.Json.Serialization;

namespace Sift.Curation.Agents;

/// <summary>The agents' JSON lines: snake_case, non-ASCII kept readable.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AgentItem))]
[JsonSerializable(typeof(AgentSeedOutcome))]
[JsonSerializable(typeof(AgentSummary))]
[JsonSerializable(typeof(RequestIdentity))]
internal sealed partial class AgentJson : JsonSerializerContext;
