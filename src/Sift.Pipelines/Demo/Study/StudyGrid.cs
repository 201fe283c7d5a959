using Sift.Core;
using Sift.Pipelines.Config;

namespace Sift.Pipelines.Demo.Study;

/// <summary>One setting varied by the study: a demo setting key and the values it takes.</summary>
/// <param name="Key">A <see cref="DemoSettings"/> key, e.g. corpus.noise_share.</param>
/// <param name="Values">Its values, as written on the command line.</param>
internal sealed record StudyAxis(string Key, IReadOnlyList<string> Values);

/// <summary>One configuration the study measures.</summary>
/// <param name="Label">Short name, e.g. "base" or "corpus.noise_share=0.7".</param>
/// <param name="Options">The demo options of this point.</param>
/// <param name="Settings">The settings that make it differ from the base (empty for the base).</param>
/// <param name="Axis">The axis it belongs to (null for the base and named variants).</param>
internal sealed record StudyPoint(string Label, DemoOptions Options, IReadOnlyList<string> Settings, string? Axis);

/// <summary>
/// What `sift demo --study` sweeps: a base configuration, axes (each a setting with a list of values) and
/// named variants (several settings at once). In "one-at-a-time" mode each axis is varied alone around the
/// base; in "product" mode every combination of axis values is a point.
/// <code>
/// quick: false                              # start from the --quick sizes instead of the default demo
/// mode: one-at-a-time                       # or product
/// base:                                     # settings applied to every point (any `sift demo --set` key)
///   student.train.max_steps: 800
/// axis:
///   corpus.noise_share: [0.3, 0.5, 0.7]
///   train.select_ratio: [0.3, 0.5, 0.7]
///   student.train.max_steps: [200, 400, 800] # read off the longest run when the schedule is constant
/// variant:
///   small-noisy: "model.hidden_size=64 model.intermediate_size=192 corpus.noise_share=0.7 train.select_ratio=0.25"
/// </code>
/// </summary>
internal sealed record StudyGrid(DemoOptions Base, IReadOnlyList<StudyAxis> Axes, IReadOnlyList<(string Name, IReadOnlyList<string> Settings)> Variants, string Mode = "one-at-a-time")
{
    /// <summary>The built-in grid: the hypotheses of slm-toy-simulation.md ("what would be needed for ≥ 2x").</summary>
    public static StudyGrid Default(DemoOptions b, bool quick) => quick
        ? new StudyGrid(b, [new StudyAxis("train.select_ratio", ["0.3", "0.6"]), new StudyAxis("student.train.max_steps", ["40", "60"])], [])
        : new StudyGrid(b,
        [
            new StudyAxis("corpus.noise_share", ["0.3", "0.5", "0.7"]),
            new StudyAxis("train.select_ratio", ["0.3", "0.5", "0.7"]),
            new StudyAxis("model.hidden_size", ["64", "128"]),
            new StudyAxis("student.train.max_steps", ["200", "400", "800"]),
        ], []);

    /// <summary>Reads a grid file (or the built-in grid when <paramref name="path"/> is null) on top of <paramref name="baseOptions"/>.</summary>
    public static StudyGrid Load(string? path, DemoOptions baseOptions, bool quick)
    {
        if (path is null)
        {
            return Default(baseOptions, quick);
        }
        var tree = ConfigTree.Load(path);
        bool q = tree.Bool("quick", quick);
        var b = q && !quick ? DemoSettings.WithQuick(baseOptions) : baseOptions;
        string mode = tree.Choice("mode", "one-at-a-time", "one-at-a-time", "product");
        var axes = new List<StudyAxis>();
        var variants = new List<(string, IReadOnlyList<string>)>();
        foreach (var (key, value) in tree.All.ToList())
        {
            if (key.StartsWith("base.", StringComparison.Ordinal))
            {
                b = DemoSettings.Apply(b, [$"{key["base.".Length..]}={tree.String(key) ?? ""}"], $"{path}: {key}");
            }
            else if (key.StartsWith("axis.", StringComparison.Ordinal))
            {
                var values = (tree.String(key) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (values.Length == 0)
                {
                    throw tree.Error(key, "expected a list of values, e.g. [0.3, 0.5, 0.7]");
                }
                axes.Add(new StudyAxis(key["axis.".Length..], values));
            }
            else if (key.StartsWith("variant.", StringComparison.Ordinal))
            {
                var settings = (tree.String(key) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (settings.Length == 0)
                {
                    throw tree.Error(key, "expected settings such as \"model.hidden_size=64 train.select_ratio=0.3\"");
                }
                variants.Add((key["variant.".Length..], settings));
            }
        }
        tree.EnsureAllConsumed();
        var grid = new StudyGrid(b, axes, variants, mode);
        _ = grid.Points(path); // validates every setting now, before hours of compute
        return grid;
    }

    /// <summary>Every point, base first; each point's options validated.</summary>
    public IReadOnlyList<StudyPoint> Points(string? source = null)
    {
        string src = source ?? "study grid";
        var points = new List<StudyPoint> { new("base", Base, [], null) };
        if (Mode == "product" && Axes.Count > 0)
        {
            IEnumerable<List<string>> combos = [[]];
            foreach (var axis in Axes)
            {
                combos = combos.SelectMany(c => axis.Values.Select(v => new List<string>(c) { $"{axis.Key}={v}" })).ToList();
            }
            foreach (var c in combos)
            {
                points.Add(new StudyPoint(string.Join(" ", c), DemoSettings.Apply(Base, c, src), c, null));
            }
        }
        else
        {
            foreach (var axis in Axes)
            {
                foreach (string v in axis.Values)
                {
                    string s = $"{axis.Key}={v}";
                    points.Add(new StudyPoint(s, DemoSettings.Apply(Base, [s], src), [s], axis.Key));
                }
            }
        }
        foreach (var (name, settings) in Variants)
        {
            points.Add(new StudyPoint(name, DemoSettings.Apply(Base, settings, $"{src}: variant.{name}"), settings, null));
        }
        foreach (var p in points)
        {
            try
            {
                p.Options.Validate();
            }
            catch (SiftException ex)
            {
                throw new SiftException($"{src}: point '{p.Label}': {ex.Message}");
            }
        }
        // A point equal to the base (an axis value that is the base's own) is measured once, as the base.
        string baseKey = StudyPipeline.OptionsKey(Base);
        return points.Where((p, i) => i == 0 || StudyPipeline.OptionsKey(p.Options) != baseKey || p.Axis is not null).ToList();
    }
}
