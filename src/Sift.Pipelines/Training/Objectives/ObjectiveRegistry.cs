using Sift.Core;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>
/// The registry of training objectives: one line per objective. Recipe validation, <c>sift train --help</c>, the demo,
/// the study and the reports read names, needs, labels and colours from here.
/// </summary>
internal static class ObjectiveRegistry
{
    private static readonly List<ObjectiveSpec> s_all =
    [
        ClmObjective.Spec,
        SlmObjective.Spec,
        RandomSelectionObjective.Spec,
        OracleSelectionObjective.Spec,
        SftObjective.Spec,
        DpoObjective.Spec,
        IpoObjective.Spec,
        KtoObjective.Spec,
        PrmObjective.Spec,
        OrmObjective.Spec,
    ];

    private static readonly Lock s_gate = new();

    /// <summary>Plain causal language modeling, the baseline every other objective is compared with.</summary>
    public static ObjectiveSpec Clm => ClmObjective.Spec;

    /// <summary>Every registered objective, in registration order.</summary>
    public static IReadOnlyList<ObjectiveSpec> All
    {
        get
        {
            lock (s_gate)
            {
                return [.. s_all];
            }
        }
    }

    /// <summary>Registered names.</summary>
    public static IReadOnlyList<string> Names => All.Select(o => o.Name).ToList();

    /// <summary>Adds an objective defined outside this assembly (tests, extensions); its name must be new.</summary>
    public static void Register(ObjectiveSpec spec)
    {
        lock (s_gate)
        {
            if (s_all.Any(o => o.Name == spec.Name))
            {
                if (s_all.Contains(spec))
                {
                    return;
                }
                throw new ArgumentException($"an objective named '{spec.Name}' is already registered", nameof(spec));
            }
            s_all.Add(spec);
        }
    }

    /// <summary>The objective called <paramref name="name"/>, or null.</summary>
    public static ObjectiveSpec? Find(string name) => All.FirstOrDefault(o => o.Name == name);

    /// <summary>The objective called <paramref name="name"/>; the error names <paramref name="where"/> and the choices.</summary>
    public static ObjectiveSpec Get(string name, string where) =>
        Find(name) ?? throw new SiftException($"{where}: unknown objective '{name}' (one of {string.Join(", ", Names)})");

    /// <summary>The recipe key that provides a need, and how to make what it points at.</summary>
    public static (string Key, string HowToMake) Source(ObjectiveNeeds need) => need switch
    {
        ObjectiveNeeds.ReferenceScores => ("data.ref_scores", "reference scores (make them with `sift score --model REF --data DATA --output SCORES`)"),
        ObjectiveNeeds.Labels => ("data.labels", "per-token provenance labels (the web/labels side shard of `sift data synth`)"),
        _ => throw new ArgumentOutOfRangeException(nameof(need)),
    };
}
